/// A Twilio sid's 128-bit payload (the 32 hex digits after the two-letter prefix).
/// Ordering matches the lexicographic order of the lowercase hex string.
struct Sid128: Hashable, Comparable, Sendable {
    var hi: UInt64
    var lo: UInt64

    static func < (lhs: Sid128, rhs: Sid128) -> Bool {
        lhs.hi != rhs.hi ? lhs.hi < rhs.hi : lhs.lo < rhs.lo
    }

    static func random(using rng: inout SplitMix64) -> Sid128 {
        Sid128(hi: rng.next(), lo: rng.next())
    }

    /// Appends the 32 lowercase hex digits.
    func appendHex(to bytes: inout [UInt8]) {
        appendHex64(hi, to: &bytes)
        appendHex64(lo, to: &bytes)
    }

    /// `prefix` followed by the 32 lowercase hex digits, e.g. `AE0f3c…`.
    func string(prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(34)
        appendHex(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `PPxxxxxxxx…` (2-letter prefix + 32 hex digits, any case) when the prefix matches.
    init?(parsing text: some StringProtocol, prefix: String) {
        let utf8 = Array(text.utf8)
        let prefixBytes = Array(prefix.utf8)
        guard utf8.count == 34, utf8[0..<2].elementsEqual(prefixBytes) else { return nil }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for (offset, byte) in utf8[2...].enumerated() {
            guard let nibble = hexValue(byte) else { return nil }
            if offset < 16 { hi = hi << 4 | UInt64(nibble) } else { lo = lo << 4 | UInt64(nibble) }
        }
        self.init(hi: hi, lo: lo)
    }

    init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

@inline(__always)
func appendHex64(_ value: UInt64, to bytes: inout [UInt8]) {
    var shift: UInt64 = 60
    while true {
        bytes.append(hexDigits[Int((value >> shift) & 0xF)])
        if shift == 0 { break }
        shift -= 4
    }
}

/// Lowercase hex of arbitrary bytes.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var out: [UInt8] = []
    for byte in bytes {
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
