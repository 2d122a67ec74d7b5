/// A minimal JSON byte writer: the serving path builds every response with it, so it avoids
/// `JSONEncoder`, `String` interpolation and intermediate objects.
struct JSONWriter {
    var bytes: [UInt8]

    init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func raw(_ fragment: [UInt8]) {
        bytes.append(contentsOf: fragment)
    }

    @inline(__always)
    mutating func raw(_ fragment: StaticString) {
        fragment.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    /// A JSON string literal, escaped.
    mutating func string(_ text: String) {
        JSONWriter.appendEscaped(text, to: &bytes)
    }

    mutating func integer(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            CivilTime.appendPadded(-value, width: 1, to: &bytes)
            return
        }
        if value >= 100_000_000 {
            bytes.append(contentsOf: String(value).utf8)
        } else {
            CivilTime.appendPadded(value, width: 1, to: &bytes)
        }
    }

    mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    /// Appends `"text"` with JSON escaping (quotes, backslashes, control characters).
    static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    static func escaped(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendEscaped(text, to: &bytes)
        return bytes
    }
}

/// A small JSON tree for the static pieces (catalog fragments, CloudEvents) rendered once.
indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func render(into writer: inout JSONWriter) {
        switch self {
        case .null: writer.raw("null")
        case .bool(let value): writer.bool(value)
        case .int(let value): writer.integer(value)
        case .double(let value): writer.raw(Array("\(value)".utf8))
        case .string(let value): writer.string(value)
        case .array(let values):
            writer.byte(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                value.render(into: &writer)
            }
            writer.byte(UInt8(ascii: "]"))
        case .object(let members):
            writer.byte(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.string(key)
                writer.byte(UInt8(ascii: ":"))
                value.render(into: &writer)
            }
            writer.byte(UInt8(ascii: "}"))
        }
    }

    var rendered: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        render(into: &writer)
        return writer.bytes
    }
}
