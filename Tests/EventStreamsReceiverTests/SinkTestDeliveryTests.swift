@testable import EventStreamsReceiver
@testable import ForwarderCore
import Journal
import NIOCore
import TestSupport
import Testing

/// Sink test events (`POST /v1/Sinks/{Sid}/Test`) through the receiver: stored apart for setup,
/// never forwarded.
@Suite("Sink test events at the receiver")
struct SinkTestDeliveryTests {
    static func testEvent(_ testID: String, data: String? = nil) -> String {
        """
        {"specversion":"1.0","type":"com.twilio.eventstreams.test-event","source":"Sink","id":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",\
        "dataschema":"https://events-schemas.twilio.com/EventStreams.TestSink/1.json","datacontenttype":"application/json",\
        "time":"2026-12-01T10:00:00.000Z","data":\(data ?? #"{"test_id":"\#(testID)"}"#)}
        """
    }

    @Test("a test event is answered 200 and kept apart with its test id; the events batched with it are forwarded as usual")
    func storedApart() async throws {
        try await ReceiverHarness.with { server in
            let alone = try await server.post(Array(Self.testEvent("t-1").utf8))
            #expect(alone.status == 200)
            #expect(try await server.storedCount() == 0)
            let batch = "[" + Self.testEvent("t-2") + "," + IAMExamples.all[0] + "]"
            #expect(try await server.post(Array(batch.utf8)).status == 200)
            #expect(try await server.storedCount() == 1)
            let tests = try await server.journal.sinkTestEvents()
            #expect(tests.map(\.testID) == ["t-2", "t-1"], "newest first")
            #expect(tests.first?.time == Timestamp(iso8601: "2026-12-01T10:00:00.000Z"))
        }
    }

    @Test("a test event is recognised with data as an object or as a JSON string (as Kinesis sinks get it); without a test id it is an ordinary event",
          arguments: [(#"{"test_id":"abc"}"#, "abc"), (#""{\"test_id\":\"abc\"}""#, "abc"), (#"{"other":1}"#, nil)] as [(String, String?)])
    func recognised(data: String, testID: String?) throws {
        let events = try CloudEventDecoder.decode(Array(Self.testEvent("", data: data).utf8), receivedAt: Timestamp(epochMilliseconds: 0))
        let (tests, others) = SinkTestEvent.separate(events, receivedAt: Timestamp(epochMilliseconds: 0))
        #expect(tests.map(\.testID) == (testID.map { [$0] } ?? []))
        #expect(others.count == (testID == nil ? 1 : 0))
    }

    @Test("the admin API's JSON of test events reads back as it was written")
    func jsonRoundTrip() {
        let tests = [SinkTestEvent(testID: "t\"1", time: nil, receivedAt: Timestamp(epochMilliseconds: 1_790_000_000_123)),
                     SinkTestEvent(testID: "t2", time: Timestamp(epochMilliseconds: 1_790_000_000_000),
                                   receivedAt: Timestamp(epochMilliseconds: 1_790_000_000_500))]
        #expect(SinkTestEventsJSON.parse(Array(SinkTestEventsJSON.render(tests).readableBytesView)) == tests)
    }
}
