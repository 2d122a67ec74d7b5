import ForwarderCore
import Testing

/// `skipValue` and `MonitorEventDecoder.read` build less than `readValue` and `decode`, and
/// must agree with them exactly: the same documents accepted, the same error (offset and reason)
/// for every one refused, and the same event for every Monitor object.
@Suite("Skipping JSON values without building them")
struct JSONSkippingTests {
    /// What reading `text` whole with `readValue` (then the end) gives, or its error.
    static func parsed(_ bytes: [UInt8]) -> Result<Int, JSONParseError> {
        do throws(JSONParseError) {
            return .success(try JSONReader.read(bytes) { (reader, _) throws(JSONParseError) in
                _ = try reader.readValue()
                try reader.expectEnd()
                return reader.offset
            })
        } catch {
            return .failure(error)
        }
    }

    /// The same with `skipValue`.
    static func skipped(_ bytes: [UInt8]) -> Result<Int, JSONParseError> {
        do throws(JSONParseError) {
            return .success(try JSONReader.read(bytes) { (reader, _) throws(JSONParseError) in
                try reader.skipValue()
                try reader.expectEnd()
                return reader.offset
            })
        } catch {
            return .failure(error)
        }
    }

    static let documents: [String] = [
        "", " ", "{", "}", "[", "[1,]", "[1,2", "{\"a\" 1}", "{\"a\":1,}", "{\"a\":1", "{\"a\"", "{1:2}",
        "tru", "true", "false", "null", "nul", "01", "1.", "-", "-0", "1e", "1e+", "1.5e-3", "12345678901234567890",
        "\"\\x\"", "\"a", "\"", "[1] x", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\\u0041\"",
        "{\"a\":\"\u{01}\"}", "[\"\\u12\"]", "[\"\\u00e9\"]", "\"tab\there\"", "\"日本é\"", "\"a\\\"b\\\\c\\/\\n\"",
        #"{"id":"A","id":"B"}"#, #"{"id":"A","data":{"address":"1","x":2,"address":"3"}}"#,
        #"[{"a":1},{"b":1,"b":2}]"#, #"{"x":[[{"y":[{"z":1,"z":1}]}]]}"#, #"{"id":"A","\u0069d":"B"}"#,
        #"{"\u0069d":"A","id":"B"}"#, #"{"\u0069d":"A","\u0069d":"B"}"#, #"{"a":1,"a"}"#, #"{"a":1,"a":}"#,
        #"{"":1,"":2}"#, #"{"friendly_name_1":1,"friendly_name_2":2}"#, #"{"friendly_name_1":1,"friendly_name_2":2,"friendly_name_1":3}"#,
        #"{"friendly_name_1":1,"friendly_name_\u0031":2}"#, #"{"friendly_name_\u0032":1,"friendly_name_\u0031":2}"#,
        #"{"abcdefgh":1,"abcdefgi":2,"abcdefg":3,"abcdefgh\u0000":4}"#, #"{"abcdefgh":1,"abcdefg\u0068":2}"#, "{ \"time\" : 1 ,\n  \"time\" : 2 }", #"{"é":1,"e\u0301":2}"#,
        "{" + (0..<9).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","k0":9}"#,
        "{" + (0..<100).map { #""k\#($0)":0"# }.joined(separator: ",") + #","k49":1}"#,
        "{" + (0..<100).map { #""k\#($0)":{"k\#($0)":[\#($0)]}"# }.joined(separator: ",") + "}",
        "{" + (0..<40).map { #""\u006b\#($0)":0"# }.joined(separator: ",") + #","k39":1}"#,
        String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65),
        #"{"events":[{"sid":"AE1","event_data":{"n":{"updated":"x"}},"links":{"a":"b"}}],"meta":{"page":0}}"#,
    ]

    @Test("skipping accepts and refuses what reading does, with the same error", arguments: documents)
    func agreesWithReading(text: String) {
        let bytes = Array(text.utf8)
        #expect(Self.skipped(bytes) == Self.parsed(bytes))
    }

    @Test("invalid UTF-8 in a string is refused by both, where reading refuses it")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE6, 0x97, 0xA5, 0x22],
                               [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]] {
            #expect(Self.skipped(bytes) == Self.parsed(bytes))
        }
    }

    @Test("on 20,000 seeded mutations of JSON documents, skipping and reading agree on every one")
    func agreesOnMutations() {
        var random = SeededRandom(seed: 20)
        let seeds = Self.documents.filter { if case .success = Self.parsed(Array($0.utf8)) { true } else { false } }
            + [#"{"sid":"AE1","event_date":"2026-11-20T08:15:00Z","event_data":{"a":[1,2.5,-3e2,true,false,null,"\u00e9"]},"d":"日本"}"#]
        let alphabet = Array(#"{}[]:,"\ u0123456789abcdefeE+-.tnr/"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xFF]
        var disagreements: [String] = []
        for _ in 0..<20_000 {
            var bytes = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
            for _ in 0...(random.next() % 3) {
                let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 3 {
                case 0 where !bytes.isEmpty: bytes[at] = byte
                case 1 where !bytes.isEmpty: bytes.remove(at: at)
                default: bytes.insert(byte, at: at)
                }
            }
            if Self.skipped(bytes) != Self.parsed(bytes) { disagreements.append(String(decoding: bytes, as: UTF8.self)) }
        }
        #expect(disagreements.isEmpty, "first: \(disagreements.prefix(3))")
    }

    static let monitorEvents: [String] = [
        #"{"sid":"AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","event_date":"2014-10-03T16:48:25Z","event_type":"account.updated","actor_sid":"USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","event_data":{"friendly_name":{"updated":"Mr. Friendly"}},"links":{"actor":"x"}}"#,
        #"{ "sid" : "AEbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "event_date":"2014-10-03T16:48:24Z" }"#,
        #"{"sid":null,"event_date":null,"event_type":null,"actor_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","links":null,"event_data":null,"source_ip_address":null}"#,
        #"{"sid":"AE1","account_sid":"AC1","actor_type":"account","source":"api","source_ip_address":"10.0.0.1","resource_sid":"SK1","resource_type":"api-key","description":"Key \"k\" created\nby é","url":"https:\/\/monitor.twilio.com\/v1\/Events\/AE1"}"#,
        #"{"\u0073id":"AE2","event_type":12,"actor_type":true,"source":false,"resource_type":{"a":1},"description":[1,2],"url":"","event_date":"not a date"}"#,
        #"{"sid":"","event_type":"","event_date":"2026-02-30T00:00:00Z"}"#,
        #"{}"#,
        #"{"sid":"AE3","sid":"AE4"}"#,
        #"{"sid":"AE3","event_data":{"x":{"y":1,"y":2}}}"#,
        #"{"sid":"AE3","event_type":"a.b"#,
    ]

    @Test("a Monitor event read member by member is the event decoded from its parsed value", arguments: monitorEvents)
    func monitorEventAgreesWithDecode(text: String) {
        let bytes = Array(text.utf8)
        let receivedAt = Timestamp(epochMilliseconds: 1_700_000_000_000)
        func decoded() -> Result<TwilioEvent, JSONParseError> {
            Result { () throws(JSONParseError) in MonitorEventDecoder.decode(try JSONReader.parse(bytes), raw: bytes, receivedAt: receivedAt) }
        }
        func read() -> Result<TwilioEvent, JSONParseError> {
            Result { () throws(JSONParseError) in
                try JSONReader.read(bytes) { (reader, _) throws(JSONParseError) in
                    let event = try MonitorEventDecoder.read(&reader, receivedAt: receivedAt)
                    try reader.expectEnd()
                    return event
                }
            }
        }
        #expect(read() == decoded())
    }
}
