/// An IPv4 or IPv6 address read from its text: the one parser of address text, for `allow_cidrs`, the
/// listen addresses of the pipeline file, a client's address and the address fields of CEF.
///
/// IPv4 is four decimal parts 0–255 without leading zeros. IPv6 is RFC 4291 §2.2 text: eight 16-bit hex
/// groups, one `::` for a run of zero groups, and an optional dotted-quad IPv4 in the last 32 bits. Zone
/// ids (`%eth0`) are not accepted. Parsing allocates nothing.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Which kind of address, and so how many bits it has.
    package enum Family: Sendable, Hashable {
        case ipv4
        case ipv6

        /// 32 or 128.
        package var bitCount: Int { self == .ipv4 ? 32 : 128 }
    }

    package let family: Family
    /// The address bits; an IPv4 address in the low 32.
    package let bits: UInt128

    package init(family: Family, bits: UInt128) {
        self.family = family
        self.bits = family == .ipv4 ? bits & 0xFFFF_FFFF : bits
    }

    /// The address written in `text`, or nil when it is not one.
    package init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = address
    }

    /// The address in raw UTF-8 text, or nil when it is not one.
    package static func parse(_ text: UnsafeRawBufferPointer) -> IPAddress? {
        if text.contains(UInt8(ascii: ":")) {
            return parseIPv6(text).map { IPAddress(family: .ipv6, bits: $0) }
        }
        return parseIPv4(text).map { IPAddress(family: .ipv4, bits: UInt128($0)) }
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for; nil for any other.
    package var mappedIPv4: IPAddress? {
        guard family == .ipv6, bits >> 32 == 0xFFFF else { return nil }
        return IPAddress(family: .ipv4, bits: bits)
    }

    /// `a.b.c.d`, or IPv6 as RFC 5952 writes it: lower-case hex, the longest run of two or more zero
    /// groups as `::`, and an IPv4-mapped address as `::ffff:a.b.c.d`.
    package var description: String {
        if family == .ipv4 { return Self.dottedQuad(UInt32(truncatingIfNeeded: bits)) }
        if let mapped = mappedIPv4 { return "::ffff:" + mapped.description }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: bits >> (16 * (7 - $0))) }
        var longest = (start: 8, count: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < 8, groups[index] == 0 { index += 1 }
            if index - start > longest.count { longest = (start, index - start) }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard longest.count >= 2 else { return hex(0..<8) }
        return hex(0..<longest.start) + "::" + hex((longest.start + longest.count)..<8)
    }

    // MARK: Parsing

    private static func dottedQuad(_ value: UInt32) -> String {
        (0..<4).map { String(value >> (8 * (3 - $0)) & 0xFF) }.joined(separator: ".")
    }

    private static func parseIPv4(_ text: UnsafeRawBufferPointer) -> UInt32? {
        var result: UInt32 = 0
        var parts = 0
        var index = 0
        while true {
            var value: UInt32 = 0
            var digits = 0
            while index < text.count, text[index] >= UInt8(ascii: "0"), text[index] <= UInt8(ascii: "9") {
                if digits == 1, value == 0 { return nil }  // a leading zero
                value = value * 10 + UInt32(text[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
                if value > 255 { return nil }
            }
            guard digits > 0 else { return nil }
            result = result << 8 | value
            parts += 1
            if parts == 4 { return index == text.count ? result : nil }
            guard index < text.count, text[index] == UInt8(ascii: ".") else { return nil }
            index += 1
        }
    }

    private static func parseIPv6(_ text: UnsafeRawBufferPointer) -> UInt128? {
        let count = text.count
        guard count >= 2, count <= 45 else { return nil }
        // Groups before `::` shift into `head`, those after it into `tail`.
        var head: UInt128 = 0
        var headGroups = 0
        var tail: UInt128 = 0
        var tailGroups = 0
        var compressed = false
        func append(_ group: UInt128, groups: Int) {
            if compressed {
                tail = tail << (16 * groups) | group
                tailGroups += groups
            } else {
                head = head << (16 * groups) | group
                headGroups += groups
            }
        }
        var index = 0
        if text[0] == UInt8(ascii: ":") {
            guard text[1] == UInt8(ascii: ":") else { return nil }
            compressed = true
            index = 2
        }
        while index < count {
            let start = index
            var value: UInt128 = 0
            var hexDigits = 0
            while index < count, hexDigits < 5, let digit = hexValue(text[index]) {
                value = value << 4 | UInt128(digit)
                hexDigits += 1
                index += 1
            }
            if index < count, text[index] == UInt8(ascii: ".") {
                guard let ipv4 = parseIPv4(UnsafeRawBufferPointer(rebasing: text[start..<count])) else { return nil }
                append(UInt128(ipv4), groups: 2)
                break
            }
            guard (1...4).contains(hexDigits) else { return nil }
            append(value, groups: 1)
            if index == count { break }
            guard text[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < count, text[index] == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                index += 1
            } else if index == count {
                return nil  // a single trailing colon
            }
        }
        let groups = headGroups + tailGroups
        guard compressed ? groups <= 7 : groups == 8 else { return nil }
        return head << (16 * (8 - headGroups)) | tail
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
