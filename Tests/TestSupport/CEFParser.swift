/// One ArcSight CEF record as `parseCEF` reads it: the seven header fields unescaped and the
/// extension as a key → unescaped value dictionary.
package struct CEFRecord: Equatable, Sendable {
    /// Whatever came before `CEF:` (an RFC 3164 syslog header such as `<132>Nov 20 08:15:00 host`),
    /// without the space that separates it; nil when the line starts with `CEF:`.
    package var syslogHeader: String?
    package var version: Int
    package var deviceVendor: String
    package var deviceProduct: String
    package var deviceVersion: String
    package var signatureID: String
    package var name: String
    /// The Severity header field as written (the forwarder writes 0–10).
    package var severity: String
    package var extensions: [String: String]
    /// Extension keys in the order they were written.
    package var extensionOrder: [String]
}

/// Why a line is not a CEF record, with the byte offset (in the line's UTF-8) at fault.
package struct CEFParseError: Error, CustomStringConvertible {
    package var reason: String
    package var offset: Int
    package var description: String { "\(reason) at byte \(offset)" }
}

/// Parses one CEF record (no framing, no trailing newline), strictly per the ArcSight CEF
/// implementation standard:
/// - header fields are separated by unescaped `|`; in them only `\\` and `\|` are escapes;
/// - the extension is `key=value` pairs separated by spaces; keys are letters, digits, `_` and
///   `.`; a value runs up to the space before the next key; in values only `\\`, `\=`, `\n` and
///   `\r` are escapes, and an unescaped `=` always starts a new key;
/// - raw CR or LF anywhere, an unknown escape, a duplicate key or invalid UTF-8 is an error.
package func parseCEF(_ line: String) throws -> CEFRecord {
    let bytes = Array(line.utf8)
    guard let start = find(Array("CEF:".utf8), in: bytes) else {
        throw CEFParseError(reason: "no \"CEF:\" in the line", offset: 0)
    }
    if let bad = bytes.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
        throw CEFParseError(reason: "raw line break", offset: bad)
    }
    var syslogHeader: String?
    if start > 0 {
        guard bytes[start - 1] == UInt8(ascii: " "), start > 1 else {
            throw CEFParseError(reason: "no space between the syslog header and CEF:", offset: start)
        }
        syslogHeader = try utf8(bytes[0..<(start - 1)], at: 0)
    }
    var fields: [String] = []
    var i = start + 4
    var field: [UInt8] = []
    var fieldStart = i
    while fields.count < 7 {
        guard i < bytes.count else {
            throw CEFParseError(reason: "the header has \(fields.count + 1) of 8 fields", offset: i)
        }
        let c = bytes[i]
        if c == UInt8(ascii: "\\") {
            guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\") || bytes[i + 1] == UInt8(ascii: "|") else {
                throw CEFParseError(reason: "unknown escape in a header field", offset: i)
            }
            field.append(bytes[i + 1])
            i += 2
        } else if c == UInt8(ascii: "|") {
            fields.append(try utf8(field[...], at: fieldStart))
            field = []
            i += 1
            fieldStart = i
        } else {
            field.append(c)
            i += 1
        }
    }
    guard let version = Int(fields[0]) else {
        throw CEFParseError(reason: "CEF version \(fields[0]) is not a number", offset: start + 4)
    }
    let (extensions, order) = try parseExtension(bytes, from: i)
    return CEFRecord(syslogHeader: syslogHeader, version: version, deviceVendor: fields[1], deviceProduct: fields[2],
                     deviceVersion: fields[3], signatureID: fields[4], name: fields[5], severity: fields[6],
                     extensions: extensions, extensionOrder: order)
}

private func parseExtension(_ bytes: [UInt8], from start: Int) throws -> ([String: String], [String]) {
    guard start < bytes.count else { return ([:], []) }
    // Every unescaped `=` ends a key; the key starts after the last space before it.
    var equals: [Int] = []
    var i = start
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "\\") {
            i += 2
            continue
        }
        if bytes[i] == UInt8(ascii: "=") { equals.append(i) }
        i += 1
    }
    guard !equals.isEmpty else { throw CEFParseError(reason: "extension without key=value", offset: start) }
    var keyStarts: [Int] = []
    for (n, eq) in equals.enumerated() {
        let floor = n == 0 ? start : equals[n - 1] + 1
        var k = eq
        while k > floor, bytes[k - 1] != UInt8(ascii: " ") { k -= 1 }
        if n == 0 {
            guard k == start else { throw CEFParseError(reason: "the extension does not start with a key", offset: start) }
        } else {
            guard k > floor else { throw CEFParseError(reason: "no space before the key", offset: eq) }
        }
        guard k < eq, bytes[k..<eq].allSatisfy(isKeyByte) else {
            throw CEFParseError(reason: "invalid extension key", offset: k)
        }
        keyStarts.append(k)
    }
    var result: [String: String] = [:]
    var order: [String] = []
    for n in equals.indices {
        let key = String(decoding: bytes[keyStarts[n]..<equals[n]], as: UTF8.self)
        let valueEnd = n + 1 < equals.count ? keyStarts[n + 1] - 1 : bytes.count
        let value = try unescapeValue(bytes[(equals[n] + 1)..<valueEnd], at: equals[n] + 1)
        guard result.updateValue(value, forKey: key) == nil else {
            throw CEFParseError(reason: "duplicate key \(key)", offset: keyStarts[n])
        }
        order.append(key)
    }
    return (result, order)
}

private func unescapeValue(_ raw: ArraySlice<UInt8>, at offset: Int) throws -> String {
    var out: [UInt8] = []
    out.reserveCapacity(raw.count)
    var i = raw.startIndex
    while i < raw.endIndex {
        let c = raw[i]
        if c == UInt8(ascii: "\\") {
            guard i + 1 < raw.endIndex else { throw CEFParseError(reason: "value ends in a lone backslash", offset: i) }
            switch raw[i + 1] {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "="): out.append(UInt8(ascii: "="))
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            default: throw CEFParseError(reason: "unknown escape in an extension value", offset: i)
            }
            i += 2
        } else {
            out.append(c)
            i += 1
        }
    }
    return try utf8(out[...], at: offset)
}

private func isKeyByte(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
}

private func utf8(_ bytes: ArraySlice<UInt8>, at offset: Int) throws -> String {
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw CEFParseError(reason: "invalid UTF-8", offset: offset)
    }
    return text
}

private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for k in 0...(haystack.count - needle.count) where haystack[k..<(k + needle.count)].elementsEqual(needle) {
        return k
    }
    return nil
}
