/// An `application/x-www-form-urlencoded` body as Twilio reads it: a key may repeat (list
/// parameters such as `Types` are sent once per element), and values are JSON text where the
/// API takes an object (`SinkConfiguration`, each `Types` element).
struct FormBody: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs.append((QueryString.decode(pieces[0]), pieces.count > 1 ? QueryString.decode(pieces[1]) : ""))
        }
    }

    /// The first value of `key`.
    subscript(key: String) -> String? {
        pairs.first { $0.0 == key }?.1
    }

    /// Every value of `key`, in order.
    func all(_ key: String) -> [String] {
        pairs.filter { $0.0 == key }.map(\.1)
    }

    /// `true`/`false` (any case) as Twilio's boolean parameters; nil when absent, `.failure` when
    /// something else.
    func bool(_ key: String) -> Result<Bool?, EventsAPIFailure> {
        guard let text = self[key] else { return .success(nil) }
        switch text.lowercased() {
        case "true": return .success(true)
        case "false": return .success(false)
        default: return .failure(.invalid("\(key) must be true or false, not '\(text)'"))
        }
    }

    /// An integer parameter; nil when absent.
    func int(_ key: String) -> Result<Int?, EventsAPIFailure> {
        guard let text = self[key] else { return .success(nil) }
        guard let value = Int(text) else { return .failure(.invalid("\(key) must be an integer, not '\(text)'")) }
        return .success(value)
    }
}

extension JSONValue {
    /// Parses JSON text (nil when it is not exactly one JSON value); members keep their order,
    /// integers stay integers.
    static func parse(_ text: String) -> JSONValue? {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.index == parser.bytes.count ? value : nil
    }
}

/// A small recursive-descent JSON reader for request parameters (a few hundred bytes each).
private struct JSONTextParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < 32 else { return nil }
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard let key = string(), expect(":"), let member = value(depth: depth + 1) else { return nil }
                members.append((key, member))
                skipSpace()
                if expect("}") { return .object(members) }
                guard expect(",") else { return nil }
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipSpace()
                if expect("]") { return .array(items) }
                guard expect(",") else { return nil }
            }
        case UInt8(ascii: "\""):
            return string().map(JSONValue.string)
        case UInt8(ascii: "t"):
            return literal("true", .bool(true))
        case UInt8(ascii: "f"):
            return literal("false", .bool(false))
        case UInt8(ascii: "n"):
            return literal("null", .null)
        default:
            return number()
        }
    }

    private mutating func expect(_ character: Unicode.Scalar) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func literal(_ word: String, _ value: JSONValue) -> JSONValue? {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else { return nil }
        index += utf8.count
        return value
    }

    private mutating func number() -> JSONValue? {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let integer = Int64(text) { return .int(integer) }
        return Double(text).map(JSONValue.double)
    }

    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else { return nil }
                    index += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(escaped)
                }
            default:
                out.append(byte)
            }
        }
        return nil
    }
}
