import NIOCore

extension ByteBuffer {
    /// Writes `value` as a JSON string literal (quotes included), escaping `"`, `\` and control
    /// characters; everything else, non-ASCII included, is written as UTF-8.
    @inlinable
    public mutating func writeJSONString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeJSONString(utf8: UnsafeRawBufferPointer(utf8))
        }
    }

    /// Writes raw UTF-8 bytes as a JSON string literal; see `writeJSONString(_:)`.
    public mutating func writeJSONString(utf8: UnsafeRawBufferPointer) {
        writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let count = utf8.count
        while i < count {
            let c = utf8[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C {
                i += 1
                continue
            }
            if runStart < i { writeBytes(UnsafeRawBufferPointer(rebasing: utf8[runStart..<i])) }
            switch c {
            case 0x22: writeStaticString("\\\"")
            case 0x5C: writeStaticString("\\\\")
            case 0x0A: writeStaticString("\\n")
            case 0x0D: writeStaticString("\\r")
            case 0x09: writeStaticString("\\t")
            case 0x08: writeStaticString("\\b")
            case 0x0C: writeStaticString("\\f")
            default:
                writeStaticString("\\u00")
                writeInteger(Self.hexDigit(c >> 4))
                writeInteger(Self.hexDigit(c & 0xF))
            }
            i += 1
            runStart = i
        }
        if runStart < count { writeBytes(UnsafeRawBufferPointer(rebasing: utf8[runStart..<count])) }
        writeInteger(UInt8(ascii: "\""))
    }

    /// Writes `"key":` for an object member.
    @inlinable
    public mutating func writeJSONKey(_ key: StaticString) {
        writeInteger(UInt8(ascii: "\""))
        writeStaticString(key)
        writeStaticString("\":")
    }

    /// Writes a JSON text with the whitespace between tokens removed (strings untouched), so a
    /// pretty-printed original fits on one NDJSON line with every value unchanged.
    public mutating func writeCompactJSON(_ raw: UnsafeRawBufferPointer) {
        var inString = false
        var escaped = false
        var runStart = 0
        var i = 0
        let count = raw.count
        while i < count {
            let c = raw[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else if c == 0x22 {
                    inString = false
                }
            } else if c == 0x22 {
                inString = true
            } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                if runStart < i { writeBytes(UnsafeRawBufferPointer(rebasing: raw[runStart..<i])) }
                runStart = i + 1
            }
            i += 1
        }
        if runStart < count { writeBytes(UnsafeRawBufferPointer(rebasing: raw[runStart..<count])) }
    }

    /// Writes a JSON value (used for values the forwarder builds itself, not for originals).
    public mutating func writeJSONValue(_ value: JSONValue) {
        switch value {
        case .null: writeStaticString("null")
        case .bool(let b): writeStaticString(b ? "true" : "false")
        case .number(let n): writeString(n)
        case .string(let s): writeJSONString(s)
        case .array(let elements):
            writeInteger(UInt8(ascii: "["))
            for (k, element) in elements.enumerated() {
                if k > 0 { writeInteger(UInt8(ascii: ",")) }
                writeJSONValue(element)
            }
            writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            writeInteger(UInt8(ascii: "{"))
            for (k, member) in members.enumerated() {
                if k > 0 { writeInteger(UInt8(ascii: ",")) }
                writeJSONString(member.key)
                writeInteger(UInt8(ascii: ":"))
                writeJSONValue(member.value)
            }
            writeInteger(UInt8(ascii: "}"))
        }
    }

    @usableFromInline
    static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? 48 + v : 87 + v
    }
}

extension JSONValue {
    /// The value as compact JSON text, members in their order, as `ByteBuffer.writeJSONValue` writes it.
    public var jsonBytes: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeJSONValue(self)
        return Array(buffer.readableBytesView)
    }
}
