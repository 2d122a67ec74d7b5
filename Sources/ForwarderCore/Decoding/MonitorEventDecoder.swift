/// Turns one Monitor event object into a `TwilioEvent`, leniently: every field may be null or
/// missing, `actor_sid` may be an `AC…` sid, and an event that cannot be fully interpreted is
/// still kept (with its original bytes) rather than dropped.
package enum MonitorEventDecoder {
    /// `raw` must be the exact bytes of the object; `value` its parsed form.
    package static func decode(_ value: JSONValue, raw: [UInt8], receivedAt: Timestamp) -> TwilioEvent {
        var fields = Fields()
        for field in Field.allCases {
            fields.values[field.rawValue] = value["\(field.key)"]?.scalarText
        }
        return event(fields, raw: raw, receivedAt: receivedAt)
    }

    /// Reads the event object at the reader's position (`{` next): the same event as `decode` of
    /// the parsed object, and the same errors, but only the fields an event keeps become Strings;
    /// the rest of the object is validated and skipped. `raw` is the object's bytes.
    package static func read(_ reader: inout JSONReader, receivedAt: Timestamp) throws(JSONParseError) -> TwilioEvent {
        var fields = Fields()
        reader.skipWhitespace()
        let start = reader.offset
        try reader.readObjectTokens { (key, reader) throws(JSONParseError) in
            guard let field = Field(key, in: reader.bytes) else {
                try reader.skipValue()
                return
            }
            fields.values[field.rawValue] = try reader.readScalarText()
        }
        return event(fields, raw: Array(UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.offset])), receivedAt: receivedAt)
    }

    /// The event of the fields read from one Monitor object (an empty text counts as absent).
    private static func event(_ fields: Fields, raw: [UInt8], receivedAt: Timestamp) -> TwilioEvent {
        func text(_ field: Field) -> String? {
            guard let s = fields.values[field.rawValue], !s.isEmpty else { return nil }
            return s
        }
        let sid = text(.sid)
        var time = receivedAt
        var timeSource = EventTimeSource.receipt
        if let date = text(.eventDate), let parsed = Timestamp(iso8601: date) {
            time = parsed
            timeSource = .event
        }
        return TwilioEvent(
            id: sid ?? "",
            dedupKey: sid ?? "monitor-raw:" + StableHash.hex(raw),
            time: time,
            timeSource: timeSource,
            origin: .monitor,
            type: text(.eventType) ?? "unknown",
            accountSid: text(.accountSid),
            actorSid: text(.actorSid),
            actorType: text(.actorType),
            source: text(.source),
            sourceIP: text(.sourceIP),
            resourceSid: text(.resourceSid),
            resourceType: text(.resourceType),
            description: text(.description),
            urlPath: text(.url),
            raw: raw
        )
    }

    /// The members of a Monitor event that a `TwilioEvent` keeps.
    private enum Field: Int, CaseIterable {
        case sid, eventDate, eventType, accountSid, actorSid, actorType, source, sourceIP
        case resourceSid, resourceType, description, url

        var key: StaticString {
            switch self {
            case .sid: "sid"
            case .eventDate: "event_date"
            case .eventType: "event_type"
            case .accountSid: "account_sid"
            case .actorSid: "actor_sid"
            case .actorType: "actor_type"
            case .source: "source"
            case .sourceIP: "source_ip_address"
            case .resourceSid: "resource_sid"
            case .resourceType: "resource_type"
            case .description: "description"
            case .url: "url"
            }
        }

        /// The field whose key `token` is, if any.
        init?(_ token: JSONStringToken, in bytes: UnsafeRawBufferPointer) {
            for (field, head) in Self.heads where token.matches(field.key, head: head, in: bytes) {
                self = field
                return
            }
            return nil
        }

        /// Each field with the head of its key, for `JSONStringToken.matches(_:head:in:)`.
        private static let heads: [(Field, UInt64)] = allCases.map { field in
            (field, JSONReader.head(UnsafeRawBufferPointer(start: field.key.utf8Start, count: field.key.utf8CodeUnitCount)))
        }
    }

    /// The scalar text of each `Field` read so far, by its raw value.
    private struct Fields {
        var values = [String?](repeating: nil, count: Field.allCases.count)
    }
}
