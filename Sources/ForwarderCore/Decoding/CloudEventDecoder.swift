/// Why a delivery's body is not a CloudEvent or a batch of them: one sentence, sent back as the
/// 400 answer's `error`.
package struct CloudEventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One sentence naming the element and field at fault, e.g. `element 3 of the batch has no "id" attribute`.
    package var reason: String

    package init(_ reason: String) {
        self.reason = reason
    }

    package var description: String { reason }
}

/// Turns an Event Streams webhook body — one CloudEvent (structured mode) or a JSON array of them
/// (batched sinks) — into events, keeping each event's original JSON byte for byte.
///
/// Strict where safety needs it (valid JSON, bounded nesting, `id`/`type`/`source` present and
/// free of control characters) and lenient where Twilio's published examples are sloppy (a timestamp in `datacontenttype`, no
/// `time`, no `specversion`, short placeholder sids).
package enum CloudEventDecoder {
    /// Far deeper than any CloudEvent needs; the reader refuses more before recursing further.
    static let maxDepth = 64

    /// The events of `body` in order, each keeping its exact bytes; events without a usable time
    /// get `receivedAt`. Duplicates are kept (the journal ignores them).
    package static func decode(_ body: [UInt8], receivedAt: Timestamp) throws(CloudEventDecodingError) -> [TwilioEvent] {
        let elements: [(value: JSONValue, raw: [UInt8])]
        let isBatch: Bool
        do {
            (elements, isBatch) = try JSONReader.read(body, maxDepth: maxDepth) { (reader, buffer) throws(JSONParseError) in
                var found: [(value: JSONValue, raw: [UInt8])] = []
                func take(_ reader: inout JSONReader) throws(JSONParseError) {
                    let (value, range) = try reader.readValueWithRange()
                    found.append((value, Array(UnsafeRawBufferPointer(rebasing: buffer[range]))))
                }
                let batch = reader.peek() == UInt8(ascii: "[")
                if batch {
                    try reader.readArray(take)
                } else {
                    try take(&reader)
                }
                try reader.expectEnd()
                return (found, batch)
            }
        } catch {
            throw CloudEventDecodingError("the body is not valid JSON (\(error.reason) at byte \(error.offset))")
        }
        if isBatch, elements.isEmpty {
            throw CloudEventDecodingError("an empty batch carries no events")
        }
        var events: [TwilioEvent] = []
        events.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let name = isBatch ? "element \(index) of the batch" : "the body"
            events.append(try event(from: element.value, raw: element.raw, name: name, receivedAt: receivedAt))
        }
        return events
    }

    /// One CloudEvent object as an event; `name` says which element it is in error messages.
    package static func event(from value: JSONValue, raw: [UInt8], name: String, receivedAt: Timestamp) throws(CloudEventDecodingError) -> TwilioEvent {
        guard case .object = value else {
            throw CloudEventDecodingError("\(name) is \(article(value.typeName)), not a CloudEvent object")
        }
        let id = try requiredString("id", in: value, name: name)
        guard !id.isEmpty else { throw CloudEventDecodingError("\(name) has an empty \"id\"") }
        let type = try requiredString("type", in: value, name: name)
        let source = try requiredString("source", in: value, name: name)
        let data = value["data"]
        func field(_ key: String) -> String? { data?[key]?.stringValue }
        let (time, timeSource) = eventTime(of: value, receivedAt: receivedAt)
        return TwilioEvent(
            id: id, dedupKey: "ce:" + source + "\n" + id, time: time, timeSource: timeSource,
            origin: .eventStreams, type: type.isEmpty ? "unknown" : type,
            accountSid: field("account_sid"), actorSid: field("auth_sid"), source: source,
            sourceIP: field("address"), httpMethod: field("action"), urlPath: field("resource"),
            authMethod: field("authentication_method"), requestSid: field("request_sid"), raw: raw)
    }

    /// How far after its receipt an event's own time may lie (clock skew). Later than that, the
    /// time is wrong, and ordering by it would hold the event back from every output until then.
    package static let maxFutureSkew = Duration.seconds(300)

    /// `time` (RFC 3339) when present and readable, else `data.timestamp` (epoch milliseconds as a
    /// string or a number), else the moment of receipt — which also stands in for a time more than
    /// `maxFutureSkew` after receipt (the event keeps its own time in its original JSON).
    static func eventTime(of value: JSONValue, receivedAt: Timestamp) -> (Timestamp, EventTimeSource) {
        let claimed: (Timestamp, EventTimeSource)
        if let text = value["time"]?.stringValue, let time = Timestamp(iso8601: text) {
            claimed = (time, .event)
        } else if let text = value["data"]?["timestamp"]?.scalarText, let milliseconds = epochMilliseconds(text) {
            claimed = (Timestamp(epochMilliseconds: milliseconds), .dataTimestamp)
        } else {
            return (receivedAt, .receipt)
        }
        return claimed.0 > receivedAt.adding(maxFutureSkew) ? (receivedAt, .receipt) : claimed
    }

    /// Whole epoch milliseconds from decimal text such as `1756056832164` or `1756056832164.0`.
    static func epochMilliseconds(_ text: String) -> Int64? {
        let whole = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard whole.count == 1 || whole[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              !whole[0].isEmpty, whole[0].count <= 15, whole[0].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int64(whole[0])
    }

    /// The string attribute `key`, which must hold no C0 control character or DEL: these three
    /// identify the event (its dedup key joins `source` and `id` with a line feed) and go into
    /// every output's header fields, where no CloudEvent has a reason to put a control character.
    private static func requiredString(_ key: String, in object: JSONValue, name: String) throws(CloudEventDecodingError) -> String {
        guard let member = object[key] else {
            throw CloudEventDecodingError("\(name) has no \"\(key)\" attribute")
        }
        guard let text = member.stringValue else {
            throw CloudEventDecodingError("\(name) has \(article(member.typeName)) as \"\(key)\", expected a string")
        }
        guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw CloudEventDecodingError("\(name) has a control character in \"\(key)\"")
        }
        return text
    }

    private static func article(_ typeName: String) -> String {
        typeName == "array" || typeName == "object" ? "an \(typeName)" : "a \(typeName)"
    }
}
