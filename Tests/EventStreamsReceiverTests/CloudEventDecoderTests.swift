@testable import EventStreamsReceiver
import TestSupport
@testable import ForwarderCore
import Testing

@Suite("CloudEvents bodies into events")
struct CloudEventDecoderTests {
    static let receipt = Timestamp(epochMilliseconds: 1_800_000_000_000)

    static func decode(_ text: String) throws(CloudEventDecodingError) -> [TwilioEvent] {
        try CloudEventDecoder.decode(Array(text.utf8), receivedAt: receipt)
    }

    @Test("the published IAM example maps onto the event's fields, keeping its bytes")
    func iamExample() throws {
        let events = try Self.decode(IAMExamples.blockedAPIKey)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.id == "NO00000000000000000000000001")
        #expect(event.dedupKey == "ce:AB00000000000000000000000001\nNO00000000000000000000000001")
        #expect(event.type == "com.twilio.iam.ip.blocked")
        #expect(event.origin == .eventStreams)
        #expect(event.source == "AB00000000000000000000000001")
        #expect(event.accountSid == "AC0000000000000000000000000000001")
        #expect(event.requestSid == "RQ0000000000000000000000000000001")
        #expect(event.sourceIP == "172.253.115.138")
        #expect(event.httpMethod == "POST")
        #expect(event.urlPath == "/v1/Sinks")
        #expect(event.authMethod == "API Key")
        #expect(event.actorSid == "SK0000000000000000000000000000001")
        // No `time`; the timestamp in `datacontenttype` is ignored; data.timestamp is used.
        #expect(event.time == Timestamp(epochMilliseconds: 1_756_056_832_164))
        #expect(event.timeSource == .dataTimestamp)
        #expect(event.raw == Array(IAMExamples.blockedAPIKey.utf8))
        let withoutAuthSid = try #require(try Self.decode(IAMExamples.blockedAuthToken).first)
        #expect(withoutAuthSid.actorSid == nil)
        #expect(withoutAuthSid.authMethod == "Auth Token")
    }

    @Test("a batch keeps each element's exact bytes, whitespace and newlines included")
    func batchRawBytes() throws {
        let body = "[\n  " + IAMExamples.all.joined(separator: " ,\n\t") + "\n]\n"
        let events = try Self.decode(body)
        #expect(events.map(\.raw) == IAMExamples.all.map { Array($0.utf8) })
        #expect(events.map(\.type) == ["com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked",
                                       "com.twilio.iam.ip.blocked.dryrun", "com.twilio.iam.ip.blocked.dryrun"])
    }

    @Test("event time: `time`, else data.timestamp (string or number), else receipt")
    func eventTime() throws {
        let withTime = try Self.decode(#"{"id":"1","type":"t","source":"s","time":"2026-11-20T08:15:00.123Z","data":{"timestamp":"5"}}"#)
        #expect(withTime[0].time == Timestamp(iso8601: "2026-11-20T08:15:00.123Z"))
        #expect(withTime[0].timeSource == .event)
        let numeric = try Self.decode(#"{"id":"1","type":"t","source":"s","data":{"timestamp":1756056832164}}"#)
        #expect(numeric[0].time.epochMilliseconds == 1_756_056_832_164)
        #expect(numeric[0].timeSource == .dataTimestamp)
        let badTime = try Self.decode(#"{"id":"1","type":"t","source":"s","time":"yesterday","data":{"timestamp":"17"}}"#)
        #expect(badTime[0].timeSource == .dataTimestamp)
        let none = try Self.decode(#"{"id":"1","type":"t","source":"s","data":{"timestamp":"soon"}}"#)
        #expect(none[0].time == Self.receipt)
        #expect(none[0].timeSource == .receipt)
        let noData = try Self.decode(#"{"id":"1","type":"t","source":"s"}"#)
        #expect(noData[0].timeSource == .receipt)
        #expect(noData[0].accountSid == nil)
    }

    @Test("a time more than five minutes after receipt is ordered by the receipt instead, so it is not held back until then")
    func futureTime() throws {
        let receipt = Self.receipt.rfc3339
        let skewed = Self.receipt.adding(.seconds(299)).rfc3339
        let farAhead = Self.receipt.adding(.seconds(301)).rfc3339
        let nearby = try Self.decode(#"{"id":"1","type":"t","source":"s","time":"\#(skewed)"}"#)
        #expect(nearby[0].time == Self.receipt.adding(.seconds(299)))
        #expect(nearby[0].timeSource == .event)
        let future = try Self.decode(#"{"id":"2","type":"t","source":"s","time":"\#(farAhead)"}"#)
        #expect(future[0].time == Self.receipt)
        #expect(future[0].timeSource == .receipt)
        #expect(String(decoding: future[0].raw, as: UTF8.self).contains(farAhead), "the original time stays in the event")
        let year2099 = try Self.decode(#"{"id":"3","type":"t","source":"s","data":{"timestamp":"4070908800000"}}"#)
        #expect(year2099[0].time == Self.receipt)
        #expect(year2099[0].timeSource == .receipt)
        #expect(receipt.hasSuffix("Z"))
    }

    @Test("unknown types keep whatever mapped fields they have")
    func unknownType() throws {
        let events = try Self.decode(#"{"id":"x","type":"com.twilio.new.thing","source":"src","data":{"account_sid":"AC1","other":[1,2]}}"#)
        #expect(events[0].type == "com.twilio.new.thing")
        #expect(events[0].accountSid == "AC1")
        #expect(events[0].sourceIP == nil)
    }

    /// A body the decoder must refuse, and how its reason starts.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var reason: String
        var testDescription: String { name }
    }

    static let refusalCases: [Refusal] = [
        Refusal(name: "empty batch", body: "[]", reason: "an empty batch carries no events"),
        Refusal(name: "truncated", body: #"{"id":"a","type":"t","source":"s""#, reason: "the body is not valid JSON"),
        Refusal(name: "id as a number", body: #"{"id":7,"type":"t","source":"s"}"#,
                reason: #"the body has a number as "id", expected a string"#),
        Refusal(name: "element without id", body: #"[{"id":"a","type":"t","source":"s"},{"type":"t","source":"s"}]"#,
                reason: #"element 1 of the batch has no "id" attribute"#),
        Refusal(name: "element not an object", body: #"[{"id":"a","type":"t","source":"s"},"x"]"#,
                reason: "element 1 of the batch is a string, not a CloudEvent object"),
        Refusal(name: "empty id", body: #"{"id":"","type":"t","source":"s"}"#, reason: #"the body has an empty "id""#),
        Refusal(name: "no type", body: #"{"id":"a","source":"s"}"#, reason: #"the body has no "type" attribute"#),
        Refusal(name: "null source", body: #"{"id":"a","type":"t","source":null}"#,
                reason: #"the body has a null as "source", expected a string"#),
        Refusal(name: "a number", body: "42", reason: "the body is a number, not a CloudEvent object"),
        Refusal(name: "nothing", body: "", reason: "the body is not valid JSON"),
        Refusal(name: "trailing data", body: #"{"id":"a","type":"t","source":"s"} {}"#, reason: "the body is not valid JSON"),
        Refusal(name: "NUL in id", body: #"{"id":"a\u0000b","type":"t","source":"s"}"#,
                reason: #"the body has a control character in "id""#),
        Refusal(name: "DEL written raw in id", body: "{\"id\":\"a\u{7F}\",\"type\":\"t\",\"source\":\"s\"}",
                reason: #"the body has a control character in "id""#),
        Refusal(name: "tab in type", body: #"{"id":"a","type":"com.twilio\tx","source":"s"}"#,
                reason: #"the body has a control character in "type""#),
        Refusal(name: "line feed in source", body: #"{"id":"a","type":"t","source":"s\nid"}"#,
                reason: #"the body has a control character in "source""#),
        Refusal(name: "SOH in the id of a batch's third element",
                body: #"[{"id":"a","type":"t","source":"s"},{"id":"b","type":"t","source":"s"},{"id":"c\u0001","type":"t","source":"s"}]"#,
                reason: #"element 2 of the batch has a control character in "id""#),
        Refusal(name: "unit separator in a batch element's source",
                body: #"[{"id":"a","type":"t","source":"s\u001f"}]"#,
                reason: #"element 0 of the batch has a control character in "source""#),
        Refusal(name: "id given twice", body: #"{"id":"A","type":"t","source":"s","id":"B"}"#,
                reason: #"the body is not valid JSON (duplicate key "id" at byte 34)"#),
        Refusal(name: "time given twice in a batch element",
                body: #"[{"id":"a","type":"t","source":"s","time":"2026-11-20T08:15:00Z","time":"2030-01-01T00:00:00Z"}]"#,
                reason: #"the body is not valid JSON (duplicate key "time" at byte 65)"#),
        Refusal(name: "a data key given twice", body: #"{"id":"a","type":"t","source":"s","data":{"address":"1","address":"2"}}"#,
                reason: #"the body is not valid JSON (duplicate key "address" at byte 56)"#),
        Refusal(name: "100,000-deep nesting",
                body: String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
                reason: "the body is not valid JSON"),
    ]

    @Test("bodies that are not CloudEvents are refused with a reason naming the element and field", arguments: refusalCases)
    func refusals(refusal: Refusal) {
        #expect {
            try Self.decode(refusal.body)
        } throws: { error in
            (error as? CloudEventDecodingError)?.reason.hasPrefix(refusal.reason) == true
        }
    }

    @Test("the refusal of a control character is the whole reason, one sentence")
    func controlCharacterReason() {
        #expect(throws: CloudEventDecodingError(#"element 2 of the batch has a control character in "id""#)) {
            try Self.decode(#"[{"id":"a","type":"t","source":"s"},{"id":"b","type":"t","source":"s"},{"id":"\u007f","type":"t","source":"s"}]"#)
        }
    }

    @Test("control characters in data and in other attributes are kept: the encoders escape them")
    func controlCharactersElsewhere() throws {
        let events = try Self.decode(#"{"id":"a","type":"t","source":"s","subject":"x\u0000y","data":{"resource":"/v1/a\tb\u0000","action":"P\u007fOST"}}"#)
        #expect(events.count == 1)
        #expect(events[0].urlPath == "/v1/a\tb\u{0}")
        #expect(events[0].httpMethod == "P\u{7F}OST")
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        var body = Array(#"{"id":"a","type":"t","source":"s","data":{"x":"__"}}"#.utf8)
        let index = body.firstIndex(of: UInt8(ascii: "_"))!
        body[index] = 0xFF
        body[index + 1] = 0xFE
        #expect(throws: CloudEventDecodingError.self) {
            try CloudEventDecoder.decode(body, receivedAt: Self.receipt)
        }
    }
}
