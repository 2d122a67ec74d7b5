import ForwarderCore

/// A JSON text as the delivery generator builds it: a tree it can mutate and print, holding the
/// broken tokens a hostile sender could put in as well as valid ones.
///
/// Whether a tree is valid JSON the receiver accepts is decided here, from the tree, by rules
/// written from RFC 8259 and the receiver's contract — not by asking the code under test.
indirect enum GeneratedJSON: Sendable {
    case object([GeneratedMember])
    case array([GeneratedJSON])
    case string(GeneratedString)
    /// Printed as it is: it may break the number grammar.
    case number(String)
    /// `true`, `false`, `null`, or a broken literal such as `True`; printed as it is.
    case literal(String)

    /// A valid string, printed with the fewest escapes.
    static func text(_ value: String) -> GeneratedJSON { .string(.text(value, .plain)) }

    /// The tree of a JSON value read by the reader (used only on the known-valid reference examples).
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .literal("null")
        case .bool(let flag): self = .literal(flag ? "true" : "false")
        case .number(let text): self = .number(text)
        case .string(let text): self = .text(text)
        case .array(let elements): self = .array(elements.map(GeneratedJSON.init))
        case .object(let members):
            self = .object(members.map { GeneratedMember(key: .text($0.key, .plain), value: GeneratedJSON($0.value)) })
        }
    }

    /// The members when this is an object.
    var members: [GeneratedMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The first member value for `key` when this is an object.
    subscript(key: String) -> GeneratedJSON? {
        members?.first { $0.key.decoded == key }?.value
    }

    /// The string when this is a valid string.
    var stringValue: String? {
        if case .string(let string) = self { return string.decoded }
        return nil
    }

    // MARK: Validity (RFC 8259, plus the reader's nesting limit and its refusal of repeated keys)

    /// Whether the tree is JSON the receiver's reader accepts: every token valid, no object
    /// giving a key twice (compared by the decoded key's UTF-8 bytes) and at most `maxDepth`
    /// nested objects and arrays.
    func isAcceptableJSON(maxDepth: Int) -> Bool {
        isValid(depth: 1, maxDepth: maxDepth)
    }

    private func isValid(depth: Int, maxDepth: Int) -> Bool {
        switch self {
        case .number(let text): return Self.isJSONNumber(text)
        case .literal(let text): return text == "true" || text == "false" || text == "null"
        case .string(let string): return string.decoded != nil
        case .array(let elements):
            return depth <= maxDepth && elements.allSatisfy { $0.isValid(depth: depth + 1, maxDepth: maxDepth) }
        case .object(let members):
            guard depth <= maxDepth else { return false }
            var keys: Set<[UInt8]> = []
            for member in members {
                guard let key = member.key.decoded, keys.insert(Array(key.utf8)).inserted,
                      member.value.isValid(depth: depth + 1, maxDepth: maxDepth) else { return false }
            }
            return true
        }
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") {
            bytes = bytes.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    // MARK: Printing

    /// The JSON text; `spaced` puts a space around `:` and after `,`, as Twilio's examples do.
    func printed(spaced: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        print(into: &out, spaced: spaced)
        return out
    }

    func print(into out: inout [UInt8], spaced: Bool) {
        switch self {
        case .number(let text), .literal(let text):
            out += Array(text.utf8)
        case .string(let string):
            string.print(into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out += spaced ? Array(", ".utf8) : [UInt8(ascii: ",")] }
                element.print(into: &out, spaced: spaced)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out += spaced ? Array(", ".utf8) : [UInt8(ascii: ",")] }
                member.key.print(into: &out)
                out += spaced ? Array(" : ".utf8) : [UInt8(ascii: ":")]
                member.value.print(into: &out, spaced: spaced)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// One `"key": value` pair of a generated object.
struct GeneratedMember: Sendable {
    var key: GeneratedString
    var value: GeneratedJSON
}

/// A string token: valid text printed in one of several escaping styles, or bytes that make the
/// string invalid.
enum GeneratedString: Sendable {
    /// How a valid string is escaped.
    enum Style: Sendable, CaseIterable {
        /// Only what JSON requires (`"`, `\`, C0 controls); DEL and non-ASCII written raw.
        case plain
        /// Every character as `\uXXXX` (surrogate pairs beyond the BMP): `"\u0069\u0064"` is `"id"`.
        case escaped
    }

    case text(String, Style)
    /// `prefix` as valid text, then raw `bytes` just before the closing quote that make the string
    /// invalid JSON (invalid UTF-8, a lone surrogate escape, a raw control character, a bad escape).
    case broken(prefix: String, bytes: [UInt8])

    /// The string's value; nil when the token is not a valid JSON string.
    var decoded: String? {
        if case .text(let value, _) = self { return value }
        return nil
    }

    func print(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        switch self {
        case .text(let value, let style):
            Self.write(value, style: style, into: &out)
        case .broken(let prefix, let bytes):
            Self.write(prefix, style: .plain, into: &out)
            out += bytes
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func write(_ value: String, style: Style, into out: inout [UInt8]) {
        switch style {
        case .plain:
            var value = value
            value.withUTF8 { bytes in
                // Bytes of multi-byte UTF-8 sequences are all 0x80 or above: copying byte by byte keeps them whole.
                guard bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
                    out.append(contentsOf: bytes)
                    return
                }
                for byte in bytes {
                    switch byte {
                    case 0x22: out += [0x5C, 0x22]
                    case 0x5C: out += [0x5C, 0x5C]
                    case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                    case 0x09: out += [0x5C, UInt8(ascii: "t")]
                    case ..<0x20: out += Array(hex(UInt16(byte)).utf8)
                    default: out.append(byte)
                    }
                }
            }
        case .escaped:
            for unit in value.utf16 { out += Array(hex(unit).utf8) }
        }
    }

    private static func hex(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
