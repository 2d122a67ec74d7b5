/// Every Monitor event the simulator knows, sorted ascending by `(event_date, sid)`, including
/// those not visible yet. A plain value: no locking, no clock (callers pass `now`).
struct EventStore: Sendable {
    private(set) var records: [EventRecord] = []
    /// `visibleAtMs` of events not yet visible at the last prune.
    private var pendingVisibleAt: [Int64] = []
    /// Sequence number of the next generated event (sids derive from it).
    var nextIndex: UInt64 = 0
    /// `event_date` of the most recently generated event.
    var lastGeneratedDate: Int64?

    init() {}

    /// Adopts an already sorted history.
    init(sortedHistory: [EventRecord], nextIndex: UInt64) {
        self.records = sortedHistory
        self.nextIndex = nextIndex
        self.lastGeneratedDate = sortedHistory.last?.date
    }

    var count: Int { records.count }

    /// Inserts keeping the order; new events normally land at (or near) the end.
    mutating func insert(_ record: EventRecord, nowMs: Int64) {
        let position = upperBound(record.key)
        if position == records.count {
            records.append(record)
        } else {
            records.insert(record, at: position)
        }
        if !record.isVisible(atMs: nowMs) {
            pendingVisibleAt.append(record.visibleAtMs)
        }
    }

    /// Drops pending markers that are visible by now; returns how many remain pending.
    @discardableResult
    mutating func prunePending(nowMs: Int64) -> Int {
        if !pendingVisibleAt.isEmpty {
            pendingVisibleAt.removeAll { $0 <= nowMs }
        }
        return pendingVisibleAt.count
    }

    /// Marks as pending every event not visible at `nowMs`, also those that were visible before:
    /// after the clock moved back, events dated after the new "now" are hidden again.
    mutating func recomputePending(nowMs: Int64) {
        pendingVisibleAt = records.lazy.filter { !$0.isVisible(atMs: nowMs) }.map(\.visibleAtMs)
    }

    /// The latest `visibleAtMs` among pending events, if any.
    var latestPendingVisibleAt: Int64? { pendingVisibleAt.max() }

    /// First index whose key is greater than `key`.
    func upperBound(_ key: EventKey) -> Int {
        var low = 0
        var high = records.count
        while low < high {
            let mid = (low + high) >> 1
            if key < records[mid].key { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// First index whose key is not less than `key`.
    func lowerBound(_ key: EventKey) -> Int {
        var low = 0
        var high = records.count
        while low < high {
            let mid = (low + high) >> 1
            if records[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// First index whose date is greater than `date`.
    func upperBound(date: Int64) -> Int {
        upperBound(EventKey(date: date, sid: Sid128(hi: .max, lo: .max)))
    }

    /// First index whose date is not less than `date`.
    func lowerBound(date: Int64) -> Int {
        lowerBound(EventKey(date: date, sid: Sid128(hi: 0, lo: 0)))
    }

    /// The event with this sid, visible or not (a linear scan from the newest end; fetches are rare).
    func record(sid: Sid128) -> EventRecord? {
        var index = records.count - 1
        while index >= 0 {
            if records[index].sid == sid { return records[index] }
            index -= 1
        }
        return nil
    }
}
