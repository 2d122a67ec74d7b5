import ForwarderCore

/// Why a stream message is not a record this forwarder can take back: one sentence for the log.
package struct NATSRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: String

    package init(_ reason: String) {
        self.reason = reason
    }

    package var description: String { reason }
}

/// Turns one message of a forwarder-fed stream — an NDJSON record as the `ndjson` format writes
/// it — back into the event it carries, identical to the one the publishing forwarder had: the
/// original Twilio object under `twilio` is decoded again as its dataset says (Monitor event or
/// CloudEvent), with `@timestamp` standing in for the receipt time, and the dedup key is the
/// message's `Nats-Msg-Id` when it has one. Pure: no I/O, no clock.
package enum NATSRecordDecoder {
    /// Deeper than any record the forwarder writes.
    static let maxDepth = 64

    package static func decode(_ data: [UInt8], messageID: String?) throws(NATSRecordError) -> TwilioEvent {
        var stamp: String?
        var dataset: String?
        var raw: (value: JSONValue, bytes: [UInt8])?
        do {
            try JSONReader.read(data, maxDepth: maxDepth) { (reader, buffer) throws(JSONParseError) in
                guard reader.peek() == UInt8(ascii: "{") else {
                    throw JSONParseError(offset: reader.offset, reason: "expected an NDJSON object")
                }
                // By their bytes, as `JSONReader.readValue` compares keys (a Set<String> would take
                // the NFC and NFD spellings of one accented key for the same key).
                var seen: Set<[UInt8]> = []
                try reader.readObject { (key, offset, reader) throws(JSONParseError) in
                    // Readers disagree on which of two equal keys counts: refuse the record.
                    guard seen.insert(Array(key.utf8)).inserted else {
                        throw JSONParseError(offset: offset, reason: "repeated key \(JSONReader.quotedKey(key))")
                    }
                    switch key {
                    case "@timestamp":
                        stamp = try reader.readValue().stringValue
                    case "event":
                        let (value, _) = try reader.readValueWithRange()
                        dataset = value["dataset"]?.stringValue
                    case "twilio":
                        let (value, range) = try reader.readValueWithRange()
                        raw = (value, Array(UnsafeRawBufferPointer(rebasing: buffer[range])))
                    default:
                        try reader.skipValue()
                    }
                }
                try reader.expectEnd()
            }
        } catch {
            throw NATSRecordError("the message is not an NDJSON record (\(error.reason) at byte \(error.offset)); only the ndjson format can be read back")
        }
        guard let raw else { throw NATSRecordError("the record has no \"twilio\" object (the original event)") }
        guard case .object = raw.value else { throw NATSRecordError("the record's \"twilio\" member is not an object") }
        guard let stamp, let receivedAt = Timestamp(stamp, form: .rfc3339) else {
            throw NATSRecordError("the record has no RFC 3339 \"@timestamp\"")
        }
        var event: TwilioEvent
        switch dataset {
        case EventOrigin.monitor.dataset:
            event = MonitorEventDecoder.decode(raw.value, raw: raw.bytes, receivedAt: receivedAt)
        case EventOrigin.eventStreams.dataset:
            do {
                event = try CloudEventDecoder.event(from: raw.value, raw: raw.bytes, name: "the record's \"twilio\" object", receivedAt: receivedAt)
            } catch {
                throw NATSRecordError(error.reason)
            }
        case let other?:
            throw NATSRecordError("unknown event.dataset \(JSONReader.quotedKey(other)); expected twilio.monitor or twilio.event_streams")
        case nil:
            throw NATSRecordError("the record has no event.dataset")
        }
        if let messageID, !messageID.isEmpty {
            event.dedupKey = dedupKey(messageID: messageID)
        }
        return event
    }

    /// The dedup key a `Nats-Msg-Id` stands for: the NATS output writes a CloudEvent's key
    /// (`ce:` + source + line feed + id) with a space for the line feed, since a header cannot
    /// hold one (a source is a URI reference: it holds no space); a Monitor sid is unchanged.
    package static func dedupKey(messageID: String) -> String {
        guard messageID.hasPrefix("ce:"), let space = messageID.firstIndex(of: " ") else { return messageID }
        var key = messageID
        key.replaceSubrange(space...space, with: "\n")
        return key
    }
}
