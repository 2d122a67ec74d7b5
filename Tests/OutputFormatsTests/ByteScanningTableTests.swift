import ForwarderCore
import NIOCore
@testable import OutputFormats
import Testing

/// The escaping and compacting writers scan eight bytes at a time; these tables hold them to the
/// byte-at-a-time versions they replaced (kept below as the reference), on hand-picked cases
/// around every word boundary and on seeded random bytes rich in the bytes that matter.
@Suite("Byte scanning writers match the byte-by-byte reference")
struct ByteScanningTableTests {
    /// Cases around the eight-byte words: every special byte at every offset of a 0–24 byte text.
    static var boundaryCases: [[UInt8]] {
        let specials: [UInt8] = [0x22, 0x5C, 0x20, 0x0A, 0x0D, 0x09, 0x00, 0x01, 0x08, 0x0C, 0x1F, 0x7F, 0x80, 0xC3, 0xFF, 0x21, 0x5D, 0x7C, 0x3D]
        var cases: [[UInt8]] = [[]]
        for length in [1, 7, 8, 9, 15, 16, 17, 24] {
            for offset in 0..<length {
                for special in specials {
                    var bytes = Array(repeating: UInt8(ascii: "a"), count: length)
                    bytes[offset] = special
                    cases.append(bytes)
                }
            }
        }
        let texts = [
            #"{"a":"b"}"#, "{\n  \"a\" : \"b c\",\n\t\"d\":[1, 2]\r\n}", #"{"k":"x\"y\\"}"#, #""\\\\\\\\\\\\\\\\""#,
            #"{"s":"unterminated"#, #"{"s":"ends in a backslash\"#, "{\"c\":\"tab\there\"}", "\u{7F}{\"d\":\"\u{7F}\"}",
            #"{"é":"ü — ✓","emoji":"🙂"}"#, "  leading and trailing  ", #"["a","b"  ,  "c"]"#, "\"\"\"\"\"\"\"\"\"",
        ]
        cases += texts.map { Array($0.utf8) }
        return cases
    }

    /// Seeded random texts drawn mostly from the bytes the writers treat specially.
    static func randomCases(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededRandom(seed: seed)
        let alphabet: [UInt8] = Array(#"ab{}[]:,"\ "#.utf8) + [0x0A, 0x0D, 0x09, 0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0x5D, 0x7C, 0x3D]
        return (0..<count).map { _ in
            let length = Int(rng.next() % 48)
            return (0..<length).map { _ in
                rng.next() % 4 == 0 ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : UInt8(ascii: "x")
            }
        }
    }

    static var allCases: [[UInt8]] { boundaryCases + randomCases(5000, seed: 20) }

    @Test("writeJSONString escapes exactly as before")
    func jsonString() {
        for bytes in Self.allCases {
            var fast = ByteBuffer()
            var reference = ByteBuffer()
            bytes.withUnsafeBytes { fast.writeJSONString(utf8: $0) }
            bytes.withUnsafeBytes { reference.referenceJSONString(utf8: $0) }
            #expect(fast == reference, "input \(bytes)")
        }
    }

    @Test("writeCompactJSON removes exactly the whitespace it removed before")
    func compactJSON() {
        for bytes in Self.allCases {
            var fast = ByteBuffer()
            var reference = ByteBuffer()
            bytes.withUnsafeBytes { fast.writeCompactJSON($0) }
            bytes.withUnsafeBytes { reference.referenceCompactJSON($0) }
            #expect(fast == reference, "input \(bytes)")
        }
    }

    @Test("writeSingleLineJSON writes exactly what it wrote before")
    func singleLineJSON() {
        for bytes in Self.allCases {
            var fast = ByteBuffer()
            var reference = ByteBuffer()
            bytes.withUnsafeBytes { fast.writeSingleLineJSON($0) }
            bytes.withUnsafeBytes { reference.referenceSingleLineJSON($0) }
            #expect(fast == reference, "input \(bytes)")
        }
    }

    @Test("classification's suffix test answers as String.hasSuffix does", arguments: [
        "ip.blocked", "com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked.dryrun", "x.deleted", "deleted", ".deleted",
        "account.created", "account.updated", "account.updatedx", "", "d", "é.deleted", "\u{0600}ip.blocked", "x\u{0600}.created",
        "ip.blocke\u{0301}d", "ip.blocked\u{0301}", "e\u{0301}.updated", "日本.deleted", "x.DELETED", "\r\n.created",
    ])
    func suffix(type: String) {
        for suffix: StaticString in ["ip.blocked", "ip.blocked.dryrun", ".deleted", ".created", ".updated"] {
            #expect(EventClassification.hasSuffix(type, suffix) == type.hasSuffix(String(describing: suffix)), "\(type) / \(suffix)")
        }
    }

    @Test("classification keeps its categories, types and severities", arguments: [
        ("com.twilio.iam.ip.blocked", nil, EventOrigin.eventStreams, ["network", "iam"], "denied", 4, 7),
        ("com.twilio.iam.ip.blocked.dryrun", "api-key", .eventStreams, ["network", "iam"], "info", 5, 7),
        ("phone-number.deleted", nil, .monitor, ["configuration"], "deletion", 5, 5),
        ("api-key.created", "api-key", .monitor, ["configuration", "iam"], "creation", 5, 5),
        ("account.updated", "account", .monitor, ["configuration", "iam"], "change", 5, 5),
        ("something", nil, .monitor, ["configuration"], "info", 6, 3),
        ("something", nil, .eventStreams, [], "info", 6, 3),
        ("something", "connect-app", .eventStreams, ["iam"], "info", 5, 5),
    ] as [(String, String?, EventOrigin, [String], String, Int, Int)])
    func classification(type: String, resource: String?, origin: EventOrigin, categories: [String], eventType: String, syslog: Int, cef: Int) {
        let event = TwilioEvent(id: "E", dedupKey: "E", time: Timestamp(epochMilliseconds: 0), origin: origin, type: type,
                                resourceType: resource, raw: Array("{}".utf8))
        let c = EventClassification(event)
        #expect(c.categories == categories)
        #expect(c.types == [eventType])
        #expect(c.syslogSeverity == syslog)
        #expect(c.cefSeverity == cef)
        var json = ByteBuffer()
        json.writeStaticString(c.categorySet.jsonArray)
        #expect(String(buffer: json) == "[" + categories.map { "\"\($0)\"" }.joined(separator: ",") + "]")
    }
}

// MARK: The byte-at-a-time writers these replaced, kept as the reference.

extension ByteBuffer {
    mutating func referenceJSONString(utf8: UnsafeRawBufferPointer) {
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
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                writeInteger(digits[Int(c >> 4)])
                writeInteger(digits[Int(c & 0xF)])
            }
            i += 1
            runStart = i
        }
        if runStart < count { writeBytes(UnsafeRawBufferPointer(rebasing: utf8[runStart..<count])) }
        writeInteger(UInt8(ascii: "\""))
    }

    mutating func referenceCompactJSON(_ raw: UnsafeRawBufferPointer) {
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

    mutating func referenceSingleLineJSON(_ raw: UnsafeRawBufferPointer) {
        var inString = false
        var escaped = false
        for c in raw {
            if inString {
                if c >= 0x20 && c != 0x22 && c != 0x5C && c != 0x7F {
                    escaped = false
                } else if c < 0x20 || c == 0x7F {
                    escaped = false
                    let low = c & 0xF
                    writeStaticString("\\u00")
                    writeInteger(UInt8(ascii: "0") + (c >> 4))
                    writeInteger(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
                    continue
                } else if escaped {
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else {
                    inString = false
                }
                writeInteger(c)
            } else if c > 0x20 && c != 0x7F {
                if c == 0x22 { inString = true }
                writeInteger(c)
            } else if c != 0x20 && c != 0x0A && c != 0x0D && c != 0x09 {
                writeInteger(UInt8(0x20))
            }
        }
    }
}
