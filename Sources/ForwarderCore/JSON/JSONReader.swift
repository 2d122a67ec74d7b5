/// A strict, allocation-light JSON reader over UTF-8 bytes (RFC 8259).
///
/// It parses values into `JSONValue`, and also lets a caller walk objects and arrays member by
/// member and take the exact byte range of any value — which is how the original Twilio JSON of
/// each event is kept byte for byte. Nesting depth is limited so hostile input cannot exhaust
/// the stack; invalid UTF-8, lone surrogates, trailing garbage and (in parsed values) an object
/// that repeats a key are errors.
package struct JSONReader {
    package let bytes: UnsafeRawBufferPointer
    package internal(set) var offset: Int = 0
    package var maxDepth: Int
    var depth = 0
    /// Keys of the objects `skipValue` is inside, innermost last (reused, so skipping allocates
    /// nothing once it has grown).
    var skippedKeys: [JSONSkippedKey] = []
    /// The decoded bytes of those keys that had escapes.
    var decodedKeys: [[UInt8]] = []

    /// Valid only while `bytes` is.
    package init(bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one complete JSON document (whitespace around it allowed, nothing else).
    package static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        try read(bytes, maxDepth: maxDepth) { (reader, _) throws(JSONParseError) in
            let value = try reader.readValue()
            try reader.expectEnd()
            return value
        }
    }

    /// Runs `body` with a reader over `bytes` (and the raw buffer, for slicing value ranges).
    package static func read<T>(
        _ bytes: [UInt8], maxDepth: Int = 64,
        _ body: (inout JSONReader, UnsafeRawBufferPointer) throws(JSONParseError) -> T
    ) throws(JSONParseError) -> T {
        var result: Result<T, JSONParseError> = .failure(JSONParseError(offset: 0, reason: "not read"))
        bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(bytes: buffer, maxDepth: maxDepth)
            do throws(JSONParseError) {
                result = .success(try body(&reader, buffer))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: Walking

    /// The next non-whitespace byte without consuming it, or nil at the end.
    package mutating func peek() -> UInt8? {
        skipWhitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    /// Fails unless only whitespace remains.
    package mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if offset != bytes.count { throw error("unexpected data after the JSON value") }
    }

    /// Walks an object: `body` is called with each key and must consume exactly that member's
    /// value (by reading or skipping it). Keys are not checked for repeats: a caller that keeps
    /// members must refuse a repeated key itself (`readValue` does).
    package mutating func readObject(_ body: (String, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try readObject { (key, _, reader) throws(JSONParseError) in try body(key, &reader) }
    }

    /// `readObject`, also giving `body` the offset of each key's opening quote (for errors).
    package mutating func readObject(_ body: (String, Int, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try walkObject(readKey: { (reader) throws(JSONParseError) in try reader.readStringLiteral() }, body)
    }

    /// The walk every object reader shares: `{`, then for each member its key (read by
    /// `readKey`), `:` and `body`, which must consume the value, until `}`.
    @inline(__always)
    mutating func walkObject<Key>(readKey: (inout JSONReader) throws(JSONParseError) -> Key,
                                  _ body: (Key, Int, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        skipWhitespace()
        try consume(UInt8(ascii: "{"), "expected an object")
        try enter()
        defer { depth -= 1 }
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return
        }
        while true {
            skipWhitespace()
            let keyOffset = offset
            let key = try readKey(&self)
            skipWhitespace()
            try consume(UInt8(ascii: ":"), "expected ':' after an object key")
            try body(key, keyOffset, &self)
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated object") }
            if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
            if bytes[offset] == UInt8(ascii: "}") { offset += 1; return }
            throw error("expected ',' or '}' in an object")
        }
    }

    /// Walks an array: `body` is called once per element and must consume it.
    package mutating func readArray(_ body: (inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        skipWhitespace()
        try consume(UInt8(ascii: "["), "expected an array")
        try enter()
        defer { depth -= 1 }
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return
        }
        while true {
            try body(&self)
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated array") }
            if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
            if bytes[offset] == UInt8(ascii: "]") { offset += 1; return }
            throw error("expected ',' or ']' in an array")
        }
    }

    /// Reads the next value and returns it with its exact byte range in `bytes`.
    package mutating func readValueWithRange() throws(JSONParseError) -> (JSONValue, Range<Int>) {
        skipWhitespace()
        let start = offset
        let value = try readValue()
        return (value, start..<offset)
    }

    // MARK: Values

    /// Reads the next value. An object that gives a key twice, at any depth, is an error: readers
    /// disagree on which of the two counts (this one would see the first, many SIEMs the last).
    package mutating func readValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard offset < bytes.count else { throw error("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            var members: [JSONMember] = []
            var keys = JSONObjectKeys()
            try readObject { (key, keyOffset, reader) throws(JSONParseError) in
                guard keys.insert(key, among: members) else {
                    throw JSONParseError(offset: keyOffset, reason: "duplicate key \(Self.quotedKey(key))")
                }
                members.append(JSONMember(key: key, value: try reader.readValue()))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try readArray { (reader) throws(JSONParseError) in elements.append(try reader.readValue()) }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try readStringLiteral())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumber())
        default:
            throw error("unexpected character '\(Self.printable(bytes[offset]))'")
        }
    }

    // MARK: Lexing

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
    }

    mutating func consume(_ byte: UInt8, _ message: String) throws(JSONParseError) {
        guard offset < bytes.count, bytes[offset] == byte else { throw error(message) }
        offset += 1
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw error("unexpected end of input") }
        let ptr = word.utf8Start
        for k in 0..<count where bytes[offset + k] != ptr[k] {
            throw error("invalid literal")
        }
        offset += count
    }

    private mutating func readNumber() throws(JSONParseError) -> String {
        let range = try scanNumber()
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Validates the number at the current byte and moves past it, returning its range.
    mutating func scanNumber() throws(JSONParseError) -> Range<Int> {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count else { throw error("incomplete number") }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else if Self.isDigit(bytes[offset]) {
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        } else {
            throw error("invalid number")
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else { throw error("invalid number") }
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else { throw error("invalid number exponent") }
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        }
        return start..<offset
    }

    /// Reads a string literal starting at the current `"`.
    package mutating func readStringLiteral() throws(JSONParseError) -> String {
        skipWhitespace()
        try consume(UInt8(ascii: "\""), "expected a string")
        let start = offset
        // Fast path: no escapes.
        while offset < bytes.count {
            let c = bytes[offset]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
                offset += 1
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
                }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in a string") }
            offset += 1
        }
        guard offset < bytes.count else { throw error("unterminated string") }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
        while offset < bytes.count {
            let c = bytes[offset]
            if c == UInt8(ascii: "\"") {
                offset += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
                }
                return s
            }
            if c < 0x20 { throw error("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                offset += 1
                continue
            }
            offset += 1
            guard offset < bytes.count else { break }
            let e = bytes[offset]
            offset += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    offset += 2
                    let low = try readHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: UTF8.encode(u)!)
            default:
                throw error("invalid escape '\\\(Self.printable(e))'")
            }
        }
        throw error("unterminated string")
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[offset]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            offset += 1
        }
        return v
    }

    /// `key` in quotes for an error message, its first 64 characters when it is longer.
    package static func quotedKey(_ key: String) -> String {
        key.count > 64 ? "\"\(key.prefix(64))…\"" : "\"\(key)\""
    }

    func error(_ reason: String) -> JSONParseError {
        JSONParseError(offset: offset, reason: reason)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    static func printable(_ c: UInt8) -> String {
        (0x20..<0x7F).contains(c) ? String(UnicodeScalar(c)) : "0x" + String(c, radix: 16)
    }
}

/// The keys of one object read so far, to refuse a repeated one: small objects (up to sixteen
/// members) are scanned, larger ones get a hash set, built once. Keys are compared byte for byte
/// (not by Unicode canonical equivalence), as other JSON readers compare them.
struct JSONObjectKeys {
    /// Objects of up to this many members are scanned; a larger one gets a hash set, built once.
    /// Sixteen covers a Monitor event (15 keys): with eight, hashing made a page about 20 %
    /// slower to decode; scanning costs about 3 %.
    static let scanLimit = 16

    private var set: Set<UTF8Key>?

    /// Records `key`, the key of the member after `members`; false when one of them has it already.
    mutating func insert(_ key: String, among members: [JSONMember]) -> Bool {
        if members.count < Self.scanLimit {
            return !members.contains { Self.sameBytes($0.key, key) }
        }
        if set == nil {
            set = Set(minimumCapacity: members.count * 2)
            for member in members { set!.insert(UTF8Key(member.key)) }
        }
        return set!.insert(UTF8Key(key)).inserted
    }

    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// A key hashed and compared by its UTF-8 bytes.
    private struct UTF8Key: Hashable {
        let key: String

        init(_ key: String) { self.key = key }

        static func == (a: UTF8Key, b: UTF8Key) -> Bool { sameBytes(a.key, b.key) }

        func hash(into hasher: inout Hasher) {
            var key = key
            key.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
