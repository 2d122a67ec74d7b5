import ForwarderCore

/// The Monitor poller's checkpoint, stored in the journal with the rows it covers.
///
/// During backfill it names the next UTC day to fetch; live, it holds the newest `event_date`
/// ingested. Events sharing a timestamp at the edge are covered because every window starts
/// `lookback` before the cursor and the journal ignores sids it already holds.
package struct MonitorCursor: Sendable, Equatable {
    /// Whether the poller is still walking history day by day, or following new events.
    package enum Phase: Sendable, Equatable {
        case backfill(CivilDate)
        case live
    }

    package var phase: Phase
    /// Newest event time ingested (or the point the poller is known to be settled up to).
    package var newest: Timestamp?
    /// Settled through here: every event older than this was visible when a completed window
    /// started, so the next window need not start earlier (`lookback` before the poll).
    package var watermark: Timestamp?
    /// Seen through here: every event visible in the API up to this time when the last window
    /// started has been stored. What the poller reports to the merger; events that become visible
    /// later with an older time are caught by the `lookback` overlap and released flagged late.
    package var seen: Timestamp?

    package init(phase: Phase, newest: Timestamp? = nil, watermark: Timestamp? = nil, seen: Timestamp? = nil) {
        self.phase = phase
        self.newest = newest
        self.watermark = watermark
        self.seen = seen
    }

    /// The watermark the merger gets: what the poller has seen (or, for a cursor written before
    /// `seen` was kept, what it had settled).
    package var reportedWatermark: Timestamp? {
        seen ?? watermark
    }

    /// The stored form: a small JSON object with its keys in alphabetical order, written with the
    /// project's JSON writer and read back with its reader.
    package func encoded() -> [UInt8] {
        var members: [JSONMember] = []
        func add(_ key: String, _ text: String?) {
            if let text { members.append(JSONMember(key: key, value: .string(text))) }
        }
        switch phase {
        case .backfill(let day):
            add("day", day.description)
            add("newest", newest?.rfc3339)
            add("phase", "backfill")
        case .live:
            add("newest", newest?.rfc3339)
            add("phase", "live")
        }
        add("seen", seen?.rfc3339)
        add("watermark", watermark?.rfc3339)
        return JSONValue.object(members).jsonBytes
    }

    /// Reads the stored form; nil when it is not a cursor this version understands.
    package init?(encoded bytes: [UInt8]) {
        guard let value = try? JSONReader.parse(bytes) else { return nil }
        switch value["phase"]?.stringValue {
        case "backfill":
            guard let day = value["day"]?.stringValue, let start = Timestamp(iso8601: day) else { return nil }
            phase = .backfill(start.utcDate)
        case "live":
            phase = .live
        default:
            return nil
        }
        newest = value["newest"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        watermark = value["watermark"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        seen = value["seen"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
    }
}

extension MonitorCursor: CustomStringConvertible {
    package var description: String {
        let mark = (watermark.map { ", complete through \($0.rfc3339)" } ?? "") + (seen.map { ", seen through \($0.rfc3339)" } ?? "")
        switch phase {
        case .backfill(let day): return "backfilling, next day \(day)\(mark)"
        case .live: return "live, newest event \(newest?.rfc3339 ?? "none")\(mark)"
        }
    }
}
