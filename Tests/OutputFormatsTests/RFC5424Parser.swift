/// A strict parser of one RFC 5424 syslog message (no framing), used to prove that what the
/// encoder writes is valid RFC 5424 and gives back the values that went in.
///
/// Follows the RFC 5424 §6 ABNF: header fields are PRINTUSASCII within their length limits, an
/// SD-PARAM value must escape `"`, `\` and `]`. One forwarder convention on top: `\n` and `\r` in
/// a PARAM-VALUE are LF and CR (a strict receiver keeps them as two characters, as the RFC says
/// for any other backslash pair; this parser does that too for every other pair).
struct RFC5424Record: Equatable {
    var priority: Int
    var version: Int
    var timestamp: String
    var hostname: String
    var appName: String
    var procID: String
    var msgID: String
    var structuredData: [SDElement]
    /// MSG without its BOM; nil when the message has no MSG part.
    var message: String?
    var messageHasBOM: Bool

    var facility: Int { priority / 8 }
    var severity: Int { priority % 8 }

    /// The value of `name` in the element `id`, if present.
    func param(_ name: String, in id: String) -> String? {
        structuredData.first { $0.id == id }?.params.first { $0.name == name }?.value
    }
}

/// One SD-ELEMENT: its SD-ID and its parameters in order.
struct SDElement: Equatable {
    var id: String
    var params: [SDParam]
}

/// One SD-PARAM with its value unescaped.
struct SDParam: Equatable {
    var name: String
    var value: String
}

/// Why a line is not an RFC 5424 message, with the byte offset at fault.
struct RFC5424ParseError: Error, CustomStringConvertible {
    var reason: String
    var offset: Int
    var description: String { "\(reason) at byte \(offset)" }
}

func parseRFC5424(_ line: String) throws -> RFC5424Record {
    var p = RFC5424Scanner(bytes: Array(line.utf8))
    return try p.message()
}

private struct RFC5424Scanner {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String) -> RFC5424ParseError { RFC5424ParseError(reason: reason, offset: i) }

    var atEnd: Bool { i >= bytes.count }

    mutating func expect(_ c: UInt8, _ what: String) throws {
        guard !atEnd, bytes[i] == c else { throw fail("expected \(what)") }
        i += 1
    }

    mutating func message() throws -> RFC5424Record {
        try expect(UInt8(ascii: "<"), "<")
        let priority = try number(maxDigits: 3)
        guard priority <= 191 else { throw fail("PRI \(priority) above 191") }
        try expect(UInt8(ascii: ">"), ">")
        let version = try number(maxDigits: 3)
        guard version >= 1 else { throw fail("VERSION 0") }
        try expect(UInt8(ascii: " "), "SP after VERSION")
        let timestamp = try headerField(maxLength: 64, name: "TIMESTAMP")
        if timestamp != "-" { try checkTimestamp(timestamp) }
        try expect(UInt8(ascii: " "), "SP after TIMESTAMP")
        let hostname = try headerField(maxLength: 255, name: "HOSTNAME")
        try expect(UInt8(ascii: " "), "SP after HOSTNAME")
        let appName = try headerField(maxLength: 48, name: "APP-NAME")
        try expect(UInt8(ascii: " "), "SP after APP-NAME")
        let procID = try headerField(maxLength: 128, name: "PROCID")
        try expect(UInt8(ascii: " "), "SP after PROCID")
        let msgID = try headerField(maxLength: 32, name: "MSGID")
        try expect(UInt8(ascii: " "), "SP after MSGID")
        var elements: [SDElement] = []
        if !atEnd && bytes[i] == UInt8(ascii: "-") {
            i += 1
        } else {
            repeat {
                elements.append(try element())
            } while !atEnd && bytes[i] == UInt8(ascii: "[")
        }
        var message: String?
        var bom = false
        if !atEnd {
            try expect(UInt8(ascii: " "), "SP before MSG")
            var rest = Array(bytes[i...])
            if rest.starts(with: [0xEF, 0xBB, 0xBF]) {
                bom = true
                rest.removeFirst(3)
                guard let text = String(validating: rest, as: UTF8.self) else { throw fail("MSG after a BOM is not UTF-8") }
                message = text
            } else {
                message = String(decoding: rest, as: UTF8.self)
            }
            i = bytes.count
        }
        return RFC5424Record(priority: priority, version: version, timestamp: timestamp, hostname: hostname,
                             appName: appName, procID: procID, msgID: msgID, structuredData: elements,
                             message: message, messageHasBOM: bom)
    }

    mutating func number(maxDigits: Int) throws -> Int {
        var value = 0
        var digits = 0
        while !atEnd, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            guard digits < maxDigits else { throw fail("more than \(maxDigits) digits") }
            value = value * 10 + Int(bytes[i] - 0x30)
            digits += 1
            i += 1
        }
        guard digits > 0 else { throw fail("expected digits") }
        return value
    }

    /// 1…`maxLength` PRINTUSASCII (33…126).
    mutating func headerField(maxLength: Int, name: String) throws -> String {
        let start = i
        while !atEnd, bytes[i] != UInt8(ascii: " ") {
            guard bytes[i] >= 33 && bytes[i] <= 126 else { throw fail("\(name) has a byte outside PRINTUSASCII") }
            i += 1
        }
        guard i > start else { throw fail("\(name) is empty") }
        guard i - start <= maxLength else { throw fail("\(name) is longer than \(maxLength)") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// FULL-DATE "T" FULL-TIME with TIME-SECFRAC of 1–6 digits and `Z` or a numeric offset.
    func checkTimestamp(_ text: String) throws {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= b.count && b[range].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        func at(_ k: Int, _ c: Character) -> Bool { k < b.count && b[k] == c.asciiValue! }
        guard digits(0..<4), at(4, "-"), digits(5..<7), at(7, "-"), digits(8..<10), at(10, "T"),
              digits(11..<13), at(13, ":"), digits(14..<16), at(16, ":"), digits(17..<19) else {
            throw fail("TIMESTAMP \(text) is not RFC 3339")
        }
        var k = 19
        if at(k, ".") {
            k += 1
            let start = k
            while k < b.count, b[k] >= 0x30, b[k] <= 0x39 { k += 1 }
            guard (1...6).contains(k - start) else { throw fail("TIME-SECFRAC of \(text) has \(k - start) digits") }
        }
        if at(k, "Z") {
            k += 1
        } else if at(k, "+") || at(k, "-") {
            guard digits(k + 1..<k + 3), at(k + 3, ":"), digits(k + 4..<k + 6) else { throw fail("bad offset in \(text)") }
            k += 6
        } else {
            throw fail("TIMESTAMP \(text) has no offset")
        }
        guard k == b.count else { throw fail("TIMESTAMP \(text) has trailing text") }
    }

    /// SD-NAME: 1–32 PRINTUSASCII except `=`, SP, `]` and `"`.
    mutating func sdName(allowAt: Bool) throws -> String {
        let start = i
        while !atEnd {
            let c = bytes[i]
            if c == UInt8(ascii: "=") || c == UInt8(ascii: " ") || c == UInt8(ascii: "]") || c == UInt8(ascii: "\"") { break }
            guard c >= 33 && c <= 126 else { throw fail("SD-NAME has a byte outside PRINTUSASCII") }
            guard allowAt || c != UInt8(ascii: "@") else { throw fail("PARAM-NAME contains @") }
            i += 1
        }
        guard i > start else { throw fail("empty SD-NAME") }
        let name = String(decoding: bytes[start..<i], as: UTF8.self)
        let limit = allowAt ? name.split(separator: "@").first.map(\.count) ?? 0 : name.count
        guard limit <= 32 else { throw fail("SD-NAME \(name) is longer than 32") }
        return name
    }

    mutating func element() throws -> SDElement {
        try expect(UInt8(ascii: "["), "[")
        let id = try sdName(allowAt: true)
        var params: [SDParam] = []
        while !atEnd, bytes[i] == UInt8(ascii: " ") {
            i += 1
            let name = try sdName(allowAt: false)
            try expect(UInt8(ascii: "="), "= after PARAM-NAME")
            try expect(UInt8(ascii: "\""), "\" opening PARAM-VALUE")
            params.append(SDParam(name: name, value: try paramValue()))
        }
        try expect(UInt8(ascii: "]"), "] closing SD-ELEMENT")
        return SDElement(id: id, params: params)
    }

    mutating func paramValue() throws -> String {
        var value: [UInt8] = []
        while true {
            guard !atEnd else { throw fail("PARAM-VALUE is not closed") }
            let c = bytes[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let text = String(validating: value, as: UTF8.self) else { throw fail("PARAM-VALUE is not UTF-8") }
                return text
            case UInt8(ascii: "]"):
                throw fail("unescaped ] in PARAM-VALUE")
            case UInt8(ascii: "\\"):
                guard !atEnd else { throw fail("PARAM-VALUE ends in a backslash") }
                let next = bytes[i]
                switch next {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"):
                    value.append(next)
                    i += 1
                case UInt8(ascii: "n"):
                    value.append(0x0A)
                    i += 1
                case UInt8(ascii: "r"):
                    value.append(0x0D)
                    i += 1
                default:
                    value.append(c)
                }
            default:
                value.append(c)
            }
        }
    }
}
