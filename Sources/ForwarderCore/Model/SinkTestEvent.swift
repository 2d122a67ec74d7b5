import NIOCore

/// A test event Twilio sent to a sink (`POST /v1/Sinks/{Sid}/Test`): type
/// `com.twilio.eventstreams.test-event`, source `Sink`, and in `data.test_id` the id that
/// `POST /v1/Sinks/{Sid}/Validate` takes as `TestId`. It says nothing about the account's
/// security, and every one carries the same CloudEvent `id` (the account SID), so the receiver
/// keeps these apart from the events it forwards.
package struct SinkTestEvent: Sendable, Equatable {
    /// The CloudEvent type of a sink test.
    package static let type = "com.twilio.eventstreams.test-event"

    package var testID: String
    /// The event's own `time` (Twilio's clock), when it had one.
    package var time: Timestamp?
    /// When the forwarder received it (its own clock).
    package var receivedAt: Timestamp

    package init(testID: String, time: Timestamp?, receivedAt: Timestamp) {
        self.testID = testID
        self.time = time
        self.receivedAt = receivedAt
    }

    /// The test event `event` is, or nil for any other event. `data` is an object, or (as Twilio
    /// writes it into Kinesis) a string holding the JSON object.
    package init?(_ event: TwilioEvent, receivedAt: Timestamp) {
        guard event.type == Self.type, let value = try? JSONReader.parse(event.raw) else { return nil }
        var data = value["data"]
        if let text = data?.stringValue {
            data = try? JSONReader.parse(Array(text.utf8))
        }
        guard let testID = data?["test_id"]?.scalarText, !testID.isEmpty else { return nil }
        self.init(testID: testID, time: event.timeSource == .event ? event.time : nil, receivedAt: receivedAt)
    }

    /// A delivery's events split into its sink test events and the events to forward.
    package static func separate(_ events: [TwilioEvent], receivedAt: Timestamp) -> (tests: [SinkTestEvent], others: [TwilioEvent]) {
        var tests: [SinkTestEvent] = []
        var others: [TwilioEvent] = []
        for event in events {
            if let test = SinkTestEvent(event, receivedAt: receivedAt) {
                tests.append(test)
            } else {
                others.append(event)
            }
        }
        return (tests, others)
    }
}

/// The JSON of `GET /admin/event-streams/test-events`, written here and read by the CLI:
/// `{"test_events":[{"test_id":"…","time":"…"|null,"received_at":"…"}]}`.
package enum SinkTestEventsJSON {
    package static func render(_ tests: [SinkTestEvent]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"test_events\":[")
        for (index, test) in tests.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"test_id\":")
            buffer.writeJSONString(test.testID)
            buffer.writeStaticString(",\"time\":")
            if let time = test.time { buffer.writeJSONString(time.rfc3339) } else { buffer.writeStaticString("null") }
            buffer.writeStaticString(",\"received_at\":")
            buffer.writeJSONString(test.receivedAt.rfc3339)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]}\n")
        return buffer
    }

    /// The test events of such a body; nil when it is not one.
    package static func parse(_ bytes: [UInt8]) -> [SinkTestEvent]? {
        guard let value = try? JSONReader.parse(bytes), case .array(let items)? = value["test_events"] else { return nil }
        return items.compactMap { item in
            guard let testID = item["test_id"]?.stringValue, let text = item["received_at"]?.stringValue,
                  let received = Timestamp(iso8601: text) else { return nil }
            return SinkTestEvent(testID: testID, time: item["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) }, receivedAt: received)
        }
    }
}
