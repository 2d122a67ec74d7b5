import ForwarderCore
import NATSClient
@testable import NATSSource
import NIOCore
import OutputFormats
import TestSupport
import Testing

/// Reading a stream message back: an NDJSON record as the forwarder writes it gives back the very
/// event it was made from; anything else is rejected with a reason, never guessed at.
@Suite("NATS source: records back into events")
struct NATSRecordDecoderTests {
    static let monitorRaw = #"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","actor_sid":"USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","actor_type":"user","description":"Line1\nquote\" é","event_data":{"x":1},"event_date":"2026-11-20T08:15:00Z","event_type":"phone-number.deleted","resource_sid":"PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","resource_type":"phone-number","sid":"AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","source":"web","source_ip_address":"10.86.6.250","url":"https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","links":null}"#
    static let cloudEventNoTime = #"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","id":"EV1","data":{"address":"203.0.113.9","action":"POST"}}"#

    /// The record the ndjson format writes for `event`.
    static func record(_ event: TwilioEvent, late: Bool = false, replayJob: String? = nil) -> [UInt8] {
        var buffer = ByteBuffer()
        NDJSONEncoder().encode(ForwardedEvent(sequence: 42, late: late, replayJob: replayJob, event: event), into: &buffer)
        return Array(buffer.readableBytesView)
    }

    static func monitorEvent() throws -> TwilioEvent {
        let raw = Array(monitorRaw.utf8)
        return MonitorEventDecoder.decode(try JSONReader.parse(raw), raw: raw, receivedAt: Timestamp(epochMilliseconds: 1))
    }

    static func cloudEvents() throws -> [TwilioEvent] {
        let receivedAt = Timestamp(iso8601: "2026-11-20T08:15:01.234Z")!
        let raw = [IAMExamples.blockedAPIKey, cloudEventNoTime].map { Array($0.utf8) }
        return try raw.map { try CloudEventDecoder.event(from: JSONReader.parse($0), raw: $0, name: "test", receivedAt: receivedAt) }
    }

    @Test("a Monitor record and CloudEvent records (with and without their own time) give back the events they were made from, the original object compacted as the record holds it")
    func roundTrip() throws {
        for var event in try [Self.monitorEvent()] + Self.cloudEvents() {
            let back = try NATSRecordDecoder.decode(Self.record(event, late: true, replayJob: "r1"), messageID: NATSConnection.messageID(event.dedupKey))
            var compact = ByteBuffer()
            event.raw.withUnsafeBytes { compact.writeCompactJSON($0) }
            event.raw = Array(compact.readableBytesView)
            #expect(back == event)
        }
    }

    @Test("the dedup key is the message id's, with the CloudEvent line feed restored; without an id the record's own")
    func dedupKeys() throws {
        #expect(NATSRecordDecoder.dedupKey(messageID: "ce:/2010-04-01/Accounts/AC1 EVabc") == "ce:/2010-04-01/Accounts/AC1\nEVabc")
        #expect(NATSRecordDecoder.dedupKey(messageID: "AE0123") == "AE0123")
        for key in ["AE0123", "ce:/a/b\nEV 1 2"] {
            #expect(NATSRecordDecoder.dedupKey(messageID: NATSConnection.messageID(key)) == key)
        }
        let event = try Self.monitorEvent()
        #expect(try NATSRecordDecoder.decode(Self.record(event), messageID: nil).dedupKey == event.dedupKey)
        #expect(try NATSRecordDecoder.decode(Self.record(event), messageID: "other").dedupKey == "other")
    }

    @Test("what is not a forwarder's NDJSON record is rejected with a reason", arguments: [
        ("<14>1 2026-12-01T00:00:00Z host app - - - hello", "the message is not an NDJSON record (expected an NDJSON object at byte 0); only the ndjson format can be read back"),
        (#"{"@timestamp":"2026-11-20T08:15:00.000Z","event":{"dataset":"twilio.monitor"}}"#, "the record has no \"twilio\" object (the original event)"),
        (#"{"@timestamp":"2026-11-20T08:15:00.000Z","event":{"dataset":"twilio.monitor"},"twilio":[1]}"#, "the record's \"twilio\" member is not an object"),
        (#"{"event":{"dataset":"twilio.monitor"},"twilio":{"sid":"AE1"}}"#, "the record has no RFC 3339 \"@timestamp\""),
        (#"{"@timestamp":"2026-11-20T08:15:00.000Z","event":{"dataset":"aws.cloudtrail"},"twilio":{}}"#, "unknown event.dataset \"aws.cloudtrail\"; expected twilio.monitor or twilio.event_streams"),
        (#"{"@timestamp":"2026-11-20T08:15:00.000Z","twilio":{}}"#, "the record has no event.dataset"),
        (#"{"@timestamp":"2026-11-20T08:15:00.000Z","event":{"dataset":"twilio.event_streams"},"twilio":{"id":"EV1"}}"#, "the record's \"twilio\" object has no \"type\" attribute"),
        (#"{"@timestamp":"x","@timestamp":"y"}"#, "the message is not an NDJSON record (repeated key \"@timestamp\" at byte 18); only the ndjson format can be read back"),
    ])
    func rejections(text: String, reason: String) {
        #expect(throws: NATSRecordError(reason)) { try NATSRecordDecoder.decode(Array(text.utf8), messageID: "m") }
    }

    @Test("a batch plan journals the records and rejects the rest, naming their stream sequences")
    func batchPlan() throws {
        let event = try Self.monitorEvent()
        func message(_ data: [UInt8], _ sequence: UInt64) -> NATSPullConsumer.Message {
            NATSPullConsumer.Message(data: data, messageID: nil, subject: "twilio.monitor.x", streamSequence: sequence, delivered: 1, pending: 0)
        }
        let plan = NATSBatchPlan([message(Self.record(event), 7), message(Array("nope".utf8), 8), message(Self.record(event), 9)])
        #expect(plan.events == [event, event])
        #expect(plan.rejections.map(\.streamSequence) == [8])
        #expect(plan.rejectedIndices == [1])
    }
}
