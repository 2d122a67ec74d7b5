import ForwarderCore
import NIOCore

/// Byte-level writers shared by the syslog and CEF encoders: numbers, times and the escaping
/// rules of each format, written straight into the buffer without building Strings.
extension ByteBuffer {
    /// Writes `value` in decimal.
    mutating func writeDecimal(_ value: Int64) {
        if value < 0 {
            writeInteger(UInt8(ascii: "-"))
            writeDecimalMagnitude(value.magnitude)
        } else {
            writeDecimalMagnitude(UInt64(value))
        }
    }

    mutating func writeDecimal(_ value: Int) {
        writeDecimal(Int64(value))
    }

    private mutating func writeDecimalMagnitude(_ value: UInt64) {
        var digits = 1
        var bound: UInt64 = 10
        while digits < 20 && value >= bound {
            digits += 1
            bound = bound &* 10
        }
        writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { target in
            var v = value
            var k = digits
            repeat {
                k -= 1
                target[k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while k > 0
            return digits
        }
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-20T08:15:00.123Z` (years below 0 are
    /// written as 0000; years past 9999 are clamped, or with `wrappingYear` keep their last four
    /// digits, as `Timestamp.rfc3339` writes them and the NDJSON `@timestamp` always had them;
    /// RFC 3339 has four year digits).
    mutating func writeRFC3339Milliseconds(_ time: Timestamp, wrappingYear: Bool = false) {
        let date = time.utcDate
        let ms = Int(time.millisecondOfDay)
        let seconds = ms / 1000
        writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { t in
            let year = wrappingYear ? Swift.max(date.year, 0) % 10000 : Swift.min(Swift.max(date.year, 0), 9999)
            Self.put2(year / 100, t, 0)
            Self.put2(year % 100, t, 2)
            t[4] = UInt8(ascii: "-")
            Self.put2(date.month, t, 5)
            t[7] = UInt8(ascii: "-")
            Self.put2(date.day, t, 8)
            t[10] = UInt8(ascii: "T")
            Self.put2(seconds / 3600, t, 11)
            t[13] = UInt8(ascii: ":")
            Self.put2(seconds / 60 % 60, t, 14)
            t[16] = UInt8(ascii: ":")
            Self.put2(seconds % 60, t, 17)
            t[19] = UInt8(ascii: ".")
            t[20] = UInt8(ascii: "0") + UInt8(ms % 1000 / 100)
            Self.put2(ms % 100, t, 21)
            t[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// The RFC 3164 timestamp in UTC, `Mmm dd HH:MM:SS` with the day padded by a space.
    mutating func writeRFC3164Timestamp(_ time: Timestamp) {
        let date = time.utcDate
        let seconds = Int(time.millisecondOfDay) / 1000
        let month = Self.monthNames[(date.month - 1) % 12]
        writeWithUnsafeMutableBytes(minimumWritableBytes: 15) { t in
            t[0] = month.utf8Start[0]
            t[1] = month.utf8Start[1]
            t[2] = month.utf8Start[2]
            t[3] = UInt8(ascii: " ")
            Self.put2(date.day, t, 4)
            if t[4] == UInt8(ascii: "0") { t[4] = UInt8(ascii: " ") }
            t[6] = UInt8(ascii: " ")
            Self.put2(seconds / 3600, t, 7)
            t[9] = UInt8(ascii: ":")
            Self.put2(seconds / 60 % 60, t, 10)
            t[12] = UInt8(ascii: ":")
            Self.put2(seconds % 60, t, 13)
            return 15
        }
    }

    /// Two decimal digits of `value` (0…99) at `offset`.
    @inline(__always)
    private static func put2(_ value: Int, _ target: UnsafeMutableRawBufferPointer, _ offset: Int) {
        target[offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / 10)
        target[offset + 1] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
    }

    private static let monthNames: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// Writes `value` with every byte for which `escape` returns a replacement written as that
    /// replacement instead: one copy when nothing needs escaping, else one reservation of the
    /// buffer, sized exactly by a first pass over the bytes.
    @inline(__always)
    mutating func writeEscaped(_ value: String, _ escape: (UInt8) -> ByteEscape?) {
        var value = value
        value.withUTF8 { source in
            var escapes = 0
            var extra = 0
            for c in source {
                if let replacement = escape(c) {
                    escapes += 1
                    extra += replacement.count - 1
                }
            }
            guard escapes > 0 else {
                writeBytes(UnsafeRawBufferPointer(source))
                return
            }
            writeWithUnsafeMutableBytes(minimumWritableBytes: source.count + extra) { target in
                var o = 0
                for c in source {
                    if let replacement = escape(c) {
                        replacement.write(into: target, at: &o)
                    } else {
                        target[o] = c
                        o += 1
                    }
                }
                return o
            }
        }
    }

    /// Text on one line: every C0 control (CR, LF and tab included) and DEL becomes a space
    /// (RFC 5424 text MSG).
    mutating func writeSingleLine(_ value: String) {
        writeEscaped(value) { ByteEscape.isControl($0) ? ByteEscape.space : nil }
    }

    /// An RFC 5424 PARAM-VALUE: `"`, `\` and `]` get a backslash (§6.3.3). RFC 5424 has no escape
    /// for control characters, and a raw line break would split the record under LF framing and in
    /// files, so LF and CR are written as `\n` and `\r` and every other C0 control and DEL as
    /// `\xHH` (uppercase hex). A strict receiver keeps a backslash before any other character, so
    /// it shows these as the visible characters `\n`, `\r`, `\x00`; a literal backslash in the
    /// value is `\\`, so the two never look alike on the wire.
    mutating func writeSDParamValue(_ value: String) {
        writeEscaped(value) {
            switch $0 {
            case 0x22: ByteEscape("\\\"")
            case 0x5C: ByteEscape("\\\\")
            case 0x5D: ByteEscape("\\]")
            case 0x0A: ByteEscape("\\n")
            case 0x0D: ByteEscape("\\r")
            case let c where ByteEscape.isControl(c): ByteEscape.hex(c, escapedBackslash: false)
            default: nil
            }
        }
    }

    /// A CEF header field: `\` and `|` get a backslash; every C0 control (CR, LF and tab
    /// included) and DEL becomes a space.
    mutating func writeCEFHeaderField(_ value: String) {
        writeEscaped(value) {
            switch $0 {
            case 0x5C: ByteEscape("\\\\")
            case 0x7C: ByteEscape("\\|")
            case let c where ByteEscape.isControl(c): ByteEscape.space
            default: nil
            }
        }
    }

    /// A CEF extension value: `\` and `=` get a backslash, LF and CR become `\n` and `\r`; every
    /// other C0 control and DEL becomes the visible text `\xHH` (uppercase hex), whose backslash
    /// is itself escaped (`\\xHH` on the wire), as the CEF standard knows no other escapes; `|` is
    /// left alone as the CEF standard asks.
    mutating func writeCEFExtensionValue(_ value: String) {
        writeEscaped(value) {
            switch $0 {
            case 0x5C: ByteEscape("\\\\")
            case 0x3D: ByteEscape("\\=")
            case 0x0A: ByteEscape("\\n")
            case 0x0D: ByteEscape("\\r")
            case let c where ByteEscape.isControl(c): ByteEscape.hex(c, escapedBackslash: true)
            default: nil
            }
        }
    }

    /// Writes an RFC 5424 header field that must be PRINTUSASCII: see `SyslogHeaderField`.
    mutating func writeHeaderField(_ value: String, maxLength: Int) {
        var value = value
        value.withUTF8 { source in
            _ = writeWithUnsafeMutableBytes(minimumWritableBytes: Swift.max(1, Swift.min(source.count, maxLength))) { target in
                var written = 0
                var i = 0
                let count = source.count
                while i < count && written < maxLength {
                    let c = source[i]
                    i += 1
                    if c >= 0x80 && c < 0xC0 { continue }  // UTF-8 continuation: its scalar is already `_`
                    target[written] = c >= 33 && c <= 126 ? c : UInt8(ascii: "_")
                    written += 1
                }
                if written == 0 {
                    target[0] = UInt8(ascii: "-")
                    written = 1
                }
                return written
            }
        }
    }
}

/// What `writeEscaped` writes in place of one byte: one to five bytes, held inline so escaping
/// never allocates.
struct ByteEscape {
    /// The replacement's bytes, the first in the lowest eight bits.
    private let packed: UInt64
    /// How many bytes the replacement has (1…5).
    let count: Int

    /// A replacement of one to five ASCII bytes.
    init(_ text: StaticString) {
        precondition((1...5).contains(text.utf8CodeUnitCount), "a replacement has one to five bytes")
        var packed: UInt64 = 0
        for k in 0..<text.utf8CodeUnitCount {
            packed |= UInt64(text.utf8Start[k]) << (8 * k)
        }
        self.init(packed: packed, count: text.utf8CodeUnitCount)
    }

    private init(packed: UInt64, count: Int) {
        self.packed = packed
        self.count = count
    }

    /// A single space.
    static let space = ByteEscape(" ")

    /// `\xHH`, the byte in two uppercase hex digits; with `escapedBackslash`, `\\xHH`.
    static func hex(_ byte: UInt8, escapedBackslash: Bool) -> ByteEscape {
        let digits: StaticString = "0123456789ABCDEF"
        let high = UInt64(digits.utf8Start[Int(byte >> 4)])
        let low = UInt64(digits.utf8Start[Int(byte & 0xF)])
        let backslash = UInt64(UInt8(ascii: "\\"))
        let x = UInt64(UInt8(ascii: "x"))
        if escapedBackslash {
            return ByteEscape(packed: backslash | backslash << 8 | x << 16 | high << 24 | low << 32, count: 5)
        }
        return ByteEscape(packed: backslash | x << 8 | high << 16 | low << 24, count: 4)
    }

    /// Whether `byte` is a C0 control (0x00–0x1F) or DEL (0x7F).
    @inline(__always)
    static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }

    /// Writes the bytes at `offset` and moves it past them.
    @inline(__always)
    func write(into target: UnsafeMutableRawBufferPointer, at offset: inout Int) {
        for k in 0..<count {
            target[offset] = UInt8(truncatingIfNeeded: packed >> (8 * k))
            offset += 1
        }
    }
}

/// Sanitising of syslog header fields (RFC 5424 HOSTNAME, APP-NAME, PROCID, MSGID and the RFC 3164
/// host name): each Unicode scalar outside printable ASCII (33…126) becomes `_`, the result is cut
/// to the field's limit, and an empty field is the NILVALUE `-`.
enum SyslogHeaderField {
    static func sanitized(_ value: String, maxLength: Int) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeHeaderField(value, maxLength: maxLength)
        return Array(buffer.readableBytesView)
    }
}
