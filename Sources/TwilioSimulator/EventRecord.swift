/// One Monitor event as stored: 48 bytes of integers and indices into ``EventCatalog``.
/// The JSON object is built from it on demand (see ``EventJSON``).
struct EventRecord: Sendable {
    /// `event_date`, epoch seconds (Twilio returns second precision).
    var date: Int64
    /// When the event becomes visible to listings, epoch milliseconds.
    var visibleAtMs: Int64
    var sid: Sid128
    var resource: UInt16
    var actor: UInt16
    var ip: UInt16
    /// Random bits choosing description, `event_data` and `links` variants.
    var variant: UInt16
    var eventType: UInt8
    var source: EventSource

    var key: EventKey { EventKey(date: date, sid: sid) }

    init(date: Int64, visibleAtMs: Int64, sid: Sid128, attributes: EventCatalog.Attributes) {
        self.date = date
        self.visibleAtMs = visibleAtMs
        self.sid = sid
        self.resource = attributes.resource
        self.actor = attributes.actor
        self.ip = attributes.ip
        self.variant = attributes.variant
        self.eventType = attributes.eventType
        self.source = attributes.source
    }

    @inline(__always)
    func isVisible(atMs now: Int64) -> Bool { visibleAtMs <= now }
}

/// The listing order key: `(event_date, sid)`. Listings run from the greatest key down.
struct EventKey: Comparable, Hashable, Sendable {
    var date: Int64
    var sid: Sid128

    static func < (lhs: EventKey, rhs: EventKey) -> Bool {
        lhs.date != rhs.date ? lhs.date < rhs.date : lhs.sid < rhs.sid
    }
}

extension EventRecord {
    /// The record for event number `index` of the seed's sequence at `date`: the sid and every
    /// attribute come from `(seed, index)` alone, so the same seed gives the same events.
    static func generate(
        index: UInt64, seed: UInt64, date: Int64, visibleAtMs: Int64, catalog: EventCatalog
    ) -> EventRecord {
        var rng = SplitMix64(seed: seed, stream: RandomStream.history, index: index)
        let sid = Sid128.random(using: &rng)
        let attributes = catalog.drawAttributes(using: &rng)
        return EventRecord(date: date, visibleAtMs: visibleAtMs, sid: sid, attributes: attributes)
    }
}
