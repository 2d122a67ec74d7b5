import Glibc

/// A string literal as `JSONReader.scanString` found it.
package struct JSONStringToken {
    /// The bytes between the quotes.
    package var content: Range<Int>
    /// The decoded text when the literal has escapes (its bytes are not the text), else nil.
    package var decoded: String?
    /// The text's length in bytes, and its first eight bytes (little-endian, zero-padded): two
    /// texts that differ mostly differ here, so comparing keys rarely looks further.
    package var count: Int
    package var head: UInt64

    /// Whether the text is `expected`, whose `head` the caller computed once; `bytes` are the
    /// document's.
    @inline(__always)
    package func matches(_ expected: StaticString, head: UInt64, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard count == expected.utf8CodeUnitCount, self.head == head else { return false }
        guard count > 8 else { return true }
        if var decoded {
            return decoded.withUTF8 { memcmp($0.baseAddress!, expected.utf8Start, count) == 0 }
        }
        return memcmp(bytes.baseAddress! + content.lowerBound, expected.utf8Start, count) == 0
    }
}

/// A key of an object being walked without building it: where its bytes are, or (when the
/// literal has escapes) which of `JSONReader.decodedKeys` holds them. Plain values, so the stack
/// of them costs no reference counting.
struct JSONSkippedKey {
    var start: Int
    var count: Int
    var head: UInt64
    /// Index in `decodedKeys`, or -1 when the key's bytes are in the document.
    var decoded: Int
}

/// Walking values without building them: the checks and the errors of `readValue` (UTF-8,
/// escapes, surrogates, numbers, nesting depth, a key repeated at any depth), nothing allocated
/// for what is only validated. This is how a Monitor page keeps the dozen fields of an event it
/// needs and its original bytes, and skips the rest of the event.
extension JSONReader {
    /// Validates and skips the next value, returning its byte range.
    @discardableResult
    package mutating func skipValue() throws(JSONParseError) -> Range<Int> {
        skipWhitespace()
        let start = offset
        try skipAny()
        return start..<offset
    }

    private mutating func skipAny() throws(JSONParseError) {
        skipWhitespace()
        guard offset < bytes.count else { throw error("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            try readObjectTokens { (_, reader) throws(JSONParseError) in try reader.skipAny() }
        case UInt8(ascii: "["):
            try readArray { (reader) throws(JSONParseError) in try reader.skipAny() }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "t"):
            try literal("true")
        case UInt8(ascii: "f"):
            try literal("false")
        case UInt8(ascii: "n"):
            try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            throw error("unexpected character '\(Self.printable(bytes[offset]))'")
        }
    }

    /// Reads the next value as `JSONValue.scalarText` gives it: a string, or the source text of a
    /// number or boolean; nil for null, and for an array or object, which is validated and skipped.
    package mutating func readScalarText() throws(JSONParseError) -> String? {
        skipWhitespace()
        guard offset < bytes.count else { throw error("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "\""):
            return string(of: try scanString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try scanNumber()
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case UInt8(ascii: "t"):
            try literal("true")
            return "true"
        case UInt8(ascii: "f"):
            try literal("false")
            return "false"
        default:
            try skipAny()
            return nil
        }
    }

    /// Walks an object as `readObject` does, but refuses a repeated key as `readValue` does and
    /// gives `body` each key as a token, so no key becomes a String. `body` must consume the value.
    package mutating func readObjectTokens(_ body: (JSONStringToken, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        let base = skippedKeys.count
        let decodedBase = decodedKeys.count
        defer {
            skippedKeys.removeSubrange(base...)
            if decodedKeys.count > decodedBase { decodedKeys.removeSubrange(decodedBase...) }
        }
        var large: Set<[UInt8]>?
        try walkObject(readKey: { (reader) throws(JSONParseError) in try reader.scanString() }) { (key, keyOffset, reader) throws(JSONParseError) in
            try reader.noteKey(key, at: keyOffset, since: base, large: &large)
            try body(key, &reader)
        }
    }

    /// Validates the string literal at the next `"` and moves past it, building nothing unless it
    /// has escapes: the checks and errors of `readStringLiteral`, which reads any literal with an
    /// escape or a control character, so both agree by construction.
    package mutating func scanString() throws(JSONParseError) -> JSONStringToken {
        skipWhitespace()
        let quote = offset
        try consume(UInt8(ascii: "\""), "expected a string")
        let start = offset
        if let base = bytes.baseAddress {
            let end = ByteScan.jsonStringEscape(base, from: start, to: bytes.count)
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if !Self.isASCII(content), String(validating: content, as: UTF8.self) == nil {
                    throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
                }
                offset = end + 1
                return JSONStringToken(content: start..<end, decoded: nil, count: end - start, head: Self.head(content))
            }
        }
        offset = quote
        var decoded = try readStringLiteral()
        let (count, head) = decoded.withUTF8 { ($0.count, Self.head(UnsafeRawBufferPointer($0))) }
        return JSONStringToken(content: start..<(offset - 1), decoded: decoded, count: count, head: head)
    }

    /// The text of a literal `scanString` returned.
    package func string(of token: JSONStringToken) -> String {
        token.decoded ?? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.content]), as: UTF8.self)
    }

    /// The first eight bytes of `text`, little-endian, zero-padded.
    @inline(__always)
    package static func head(_ text: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = text.baseAddress else { return 0 }
        if text.count >= 8 { return UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)) }
        var head: UInt64 = 0
        for k in 0..<text.count { head |= UInt64(text[k]) << (8 * k) }
        return head
    }

    /// Records the key of the next member of the object whose keys start at `base`; throws when
    /// the object has it already. Small objects are scanned, larger ones get a hash set.
    private mutating func noteKey(_ token: JSONStringToken, at keyOffset: Int, since base: Int,
                                  large: inout Set<[UInt8]>?) throws(JSONParseError) {
        var key = JSONSkippedKey(start: token.content.lowerBound, count: token.count, head: token.head, decoded: -1)
        if let decoded = token.decoded {
            key.decoded = decodedKeys.count
            decodedKeys.append(Array(decoded.utf8))
        }
        let repeated: Bool
        if skippedKeys.count - base < JSONObjectKeys.scanLimit {
            var found = false
            for k in base..<skippedKeys.count where same(skippedKeys[k], key) {
                found = true
                break
            }
            repeated = found
        } else {
            if large == nil { large = Set(skippedKeys[base...].map(keyBytes)) }
            repeated = !large!.insert(keyBytes(key)).inserted
        }
        if repeated {
            let text = String(decoding: keyBytes(key), as: UTF8.self)
            throw JSONParseError(offset: keyOffset, reason: "duplicate key \(Self.quotedKey(text))")
        }
        skippedKeys.append(key)
    }

    @inline(__always)
    private func same(_ a: JSONSkippedKey, _ b: JSONSkippedKey) -> Bool {
        guard a.count == b.count, a.head == b.head else { return false }
        guard a.count > 8 else { return true }
        return withKeyBytes(a) { x in withKeyBytes(b) { y in memcmp(x, y, a.count) == 0 } }
    }

    /// Runs `body` with the bytes of `key` (which is not empty).
    private func withKeyBytes<R>(_ key: JSONSkippedKey, _ body: (UnsafeRawPointer) -> R) -> R {
        if key.decoded >= 0 { return decodedKeys[key.decoded].withUnsafeBytes { body($0.baseAddress!) } }
        return body(bytes.baseAddress! + key.start)
    }

    private func keyBytes(_ key: JSONSkippedKey) -> [UInt8] {
        key.decoded >= 0 ? decodedKeys[key.decoded] : Array(UnsafeRawBufferPointer(rebasing: bytes[key.start..<(key.start + key.count)]))
    }

    /// Whether every byte is below 0x80, eight at a time.
    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= bytes.count {
            high |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            high |= UInt64(bytes[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
