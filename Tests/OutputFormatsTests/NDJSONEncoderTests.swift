import ForwarderCore
import NIOCore
import OutputFormats
import Testing

@Suite("NDJSON encoder")
struct NDJSONEncoderTests {
    static let monitorRaw = #"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","actor_sid":"USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","actor_type":"user","description":"Line1\nquote\" é","event_data":{"x":1},"event_date":"2026-11-20T08:15:00Z","event_type":"phone-number.deleted","resource_sid":"PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","resource_type":"phone-number","sid":"AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","source":"web","source_ip_address":"10.86.6.250","url":"https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","links":null}"#

    func encode(_ event: ForwardedEvent) throws -> JSONValue {
        var buffer = ByteBuffer()
        NDJSONEncoder().encode(event, into: &buffer)
        let text = String(buffer: buffer)
        #expect(!text.contains("\n"))
        return try JSONReader.parse(Array(buffer.readableBytesView))
    }

    @Test("Monitor events get ECS fields and the original payload unchanged under twilio")
    func monitorEvent() throws {
        let raw = Array(Self.monitorRaw.utf8)
        let value = try JSONReader.parse(raw)
        var event = TwilioEvent(
            id: "AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", dedupKey: "AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            time: Timestamp(iso8601: "2026-11-20T08:15:00Z")!, origin: .monitor, type: "phone-number.deleted", raw: raw
        )
        event.accountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        event.actorSid = "USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        event.sourceIP = "10.86.6.250"
        event.description = "Line1\nquote\" é"
        let json = try encode(ForwardedEvent(sequence: 7, late: true, event: event))
        #expect(json["@timestamp"] == .string("2026-11-20T08:15:00.000Z"))
        #expect(json["event"]?["id"] == .string("AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        #expect(json["event"]?["action"] == .string("phone-number.deleted"))
        #expect(json["event"]?["dataset"] == .string("twilio.monitor"))
        #expect(json["event"]?["type"] == .array([.string("deletion")]))
        #expect(json["source"]?["ip"] == .string("10.86.6.250"))
        #expect(json["user"]?["id"] == .string("USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        #expect(json["cloud"]?["account"]?["id"] == .string("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        #expect(json["message"] == .string("Line1\nquote\" é"))
        #expect(json["twilio"] == value)
        #expect(json["forwarder"]?["late"] == .bool(true))
        #expect(json["forwarder"]?["replay"] == .bool(false))
        #expect(json["forwarder"]?["sequence"] == .number("7"))
    }

    @Test("a replayed event says so and names its job under forwarder")
    func replayMarks() throws {
        let event = TwilioEvent(id: "AE1", dedupKey: "AE1", time: Timestamp(epochMilliseconds: 0), origin: .monitor, type: "x", raw: Array("{}".utf8))
        var buffer = ByteBuffer()
        NDJSONEncoder().encode(ForwardedEvent(sequence: 0, replayJob: "r-20261103-20261106-abc123", event: event), into: &buffer)
        let json = try JSONReader.parse(Array(buffer.readableBytesView))
        #expect(json["forwarder"]?["replay"] == .bool(true))
        #expect(json["forwarder"]?["replay_job"] == .string("r-20261103-20261106-abc123"))
    }

    @Test("a pretty-printed original is compacted onto one line with its values unchanged")
    func prettyOriginal() throws {
        let raw = Array("{\n  \"type\" : \"com.twilio.iam.ip.blocked\",\n  \"data\" : { \"address\" : \"1.2.3.4\" }\n}".utf8)
        let event = TwilioEvent(id: "NO1", dedupKey: "AB NO1", time: Timestamp(epochMilliseconds: 0), origin: .eventStreams, type: "com.twilio.iam.ip.blocked", raw: raw)
        let json = try encode(ForwardedEvent(sequence: 1, event: event))
        #expect(json["twilio"] == (try JSONReader.parse(raw)))
        #expect(json["event"]?["dataset"] == .string("twilio.event_streams"))
    }
}
