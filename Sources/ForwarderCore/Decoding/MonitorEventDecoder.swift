/// Turns one Monitor event object into a `TwilioEvent`, leniently: every field may be null or
/// missing, `actor_sid` may be an `AC…` sid, and an event that cannot be fully interpreted is
/// still kept (with its original bytes) rather than dropped.
package enum MonitorEventDecoder {
    /// `raw` must be the exact bytes of the object; `value` its parsed form.
    package static func decode(_ value: JSONValue, raw: [UInt8], receivedAt: Timestamp) -> TwilioEvent {
        func text(_ key: String) -> String? {
            guard let s = value[key]?.scalarText, !s.isEmpty else { return nil }
            return s
        }
        let sid = text("sid")
        var time = receivedAt
        var timeSource = EventTimeSource.receipt
        if let date = text("event_date"), let parsed = Timestamp(iso8601: date) {
            time = parsed
            timeSource = .event
        }
        return TwilioEvent(
            id: sid ?? "",
            dedupKey: sid ?? "monitor-raw:" + StableHash.hex(raw),
            time: time,
            timeSource: timeSource,
            origin: .monitor,
            type: text("event_type") ?? "unknown",
            accountSid: text("account_sid"),
            actorSid: text("actor_sid"),
            actorType: text("actor_type"),
            source: text("source"),
            sourceIP: text("source_ip_address"),
            resourceSid: text("resource_sid"),
            resourceType: text("resource_type"),
            description: text("description"),
            urlPath: text("url"),
            raw: raw
        )
    }
}
