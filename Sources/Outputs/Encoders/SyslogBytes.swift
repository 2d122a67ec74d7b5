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

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-20T08:15:00.123Z` (years outside
    /// 0…9999 are clamped; RFC 3339 has four year digits).
    mutating func writeRFC3339Milliseconds(_ time: Timestamp) {
        let date = time.utcDate
        let ms = Int(time.millisecondOfDay)
        let seconds = ms / 1000
        writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { t in
            let year = Swift.min(Swift.max(date.year, 0), 9999)
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

    /// Writes `value` with every byte for which `escape` returns a replacement (one or two
    /// bytes) written as that replacement instead: one copy when nothing needs escaping, else
    /// one reservation of the buffer.
    @inline(__always)
    mutating func writeEscaped(_ value: String, _ escape: (UInt8) -> StaticString?) {
        var value = value
        value.withUTF8 { source in
            guard source.contains(where: { escape($0) != nil }) else {
                writeBytes(UnsafeRawBufferPointer(source))
                return
            }
            writeWithUnsafeMutableBytes(minimumWritableBytes: source.count * 2) { target in
                var o = 0
                for c in source {
                    if let replacement = escape(c) {
                        assert(replacement.utf8CodeUnitCount <= 2, "replacements are at most two bytes")
                        target[o] = replacement.utf8Start[0]
                        o += 1
                        if replacement.utf8CodeUnitCount == 2 {
                            target[o] = replacement.utf8Start[1]
                            o += 1
                        }
                    } else {
                        target[o] = c
                        o += 1
                    }
                }
                return o
            }
        }
    }

    /// Text on one line: CR and LF become spaces (RFC 5424 text MSG, CEF header fields).
    mutating func writeSingleLine(_ value: String) {
        writeEscaped(value) { $0 == 0x0A || $0 == 0x0D ? " " : nil }
    }

    /// An RFC 5424 PARAM-VALUE: `"`, `\` and `]` get a backslash (§6.3.3). RFC 5424 has no escape
    /// for line breaks, and a raw one would split the record under LF framing and in files, so
    /// LF and CR are written as `\n` and `\r` (a strict receiver shows them as those two characters).
    mutating func writeSDParamValue(_ value: String) {
        writeEscaped(value) {
            switch $0 {
            case 0x22: "\\\""
            case 0x5C: "\\\\"
            case 0x5D: "\\]"
            case 0x0A: "\\n"
            case 0x0D: "\\r"
            default: nil
            }
        }
    }

    /// A CEF header field: `\` and `|` get a backslash, line breaks become spaces.
    mutating func writeCEFHeaderField(_ value: String) {
        writeEscaped(value) {
            switch $0 {
            case 0x5C: "\\\\"
            case 0x7C: "\\|"
            case 0x0A, 0x0D: " "
            default: nil
            }
        }
    }

    /// A CEF extension value: `\` and `=` get a backslash, LF and CR become `\n` and `\r`; `|` is
    /// left alone as the CEF standard asks.
    mutating func writeCEFExtensionValue(_ value: String) {
        writeEscaped(value) {
            switch $0 {
            case 0x5C: "\\\\"
            case 0x3D: "\\="
            case 0x0A: "\\n"
            case 0x0D: "\\r"
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
