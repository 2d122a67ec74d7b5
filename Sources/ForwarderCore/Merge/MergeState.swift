/// The merger's decision state: each source's watermark and the release frontier. No I/O, no clock.
///
/// A source's watermark says "no event older than this is still expected from me". Everything
/// with `time <= frontier` has been released; the frontier moves up to the minimum watermark of
/// the sources that are not stalled (a source whose watermark has not moved for longer than
/// `maxHold` stops holding the others back). A row that shows up with `time <= frontier` was
/// missed by its turn: it is released next and flagged late.
public struct MergeState: Sendable, Equatable {
    /// Progress of one source as the merger sees it.
    public struct SourceProgress: Sendable, Equatable {
        /// Nil until the source reports its first watermark.
        public var watermark: Timestamp?
        /// When the watermark last moved forward (or when the source was registered).
        public var lastAdvanced: Timestamp
    }

    public private(set) var frontier: Timestamp
    public private(set) var sources: [SourceID: SourceProgress]
    public var maxHold: Duration

    public init(frontier: Timestamp = .distantPast, sources: [SourceID], maxHold: Duration, now: Timestamp) {
        self.frontier = frontier
        self.maxHold = maxHold
        self.sources = Dictionary(uniqueKeysWithValues: sources.map { ($0, SourceProgress(watermark: nil, lastAdvanced: now)) })
    }

    /// Records a source's watermark; watermarks never move backwards.
    public mutating func advance(_ source: SourceID, to watermark: Timestamp, now: Timestamp) {
        var progress = sources[source] ?? SourceProgress(watermark: nil, lastAdvanced: now)
        if progress.watermark.map({ watermark > $0 }) ?? true {
            progress.watermark = watermark
            progress.lastAdvanced = now
        }
        sources[source] = progress
    }

    /// True when the source's watermark has not moved for longer than `maxHold`.
    public func isStalled(_ source: SourceID, now: Timestamp) -> Bool {
        guard let progress = sources[source] else { return false }
        return now.duration(since: progress.lastAdvanced) > maxHold
    }

    /// How far the frontier may move now: the minimum watermark of the sources that are not
    /// stalled (or the maximum of all watermarks when every source is stalled). Never behind
    /// the current frontier.
    public func releasableFrontier(now: Timestamp) -> Timestamp {
        var minimum: Timestamp?
        var maximum: Timestamp?
        var anyActive = false
        for (id, progress) in sources {
            if let w = progress.watermark { maximum = max(maximum ?? w, w) }
            guard !isStalled(id, now: now) else { continue }
            anyActive = true
            // An active source that has not reported yet holds everything back.
            let w = progress.watermark ?? .distantPast
            minimum = min(minimum ?? w, w)
        }
        let target = anyActive ? (minimum ?? .distantPast) : (maximum ?? .distantPast)
        return max(frontier, target)
    }

    /// Records that everything up to `newFrontier` has been released.
    public mutating func didRelease(upTo newFrontier: Timestamp) {
        frontier = max(frontier, newFrontier)
    }

    /// Whether a row with this time, released now, is late.
    public func isLate(_ time: Timestamp) -> Bool {
        time <= frontier
    }

    /// How far behind the frontier a source's watermark is, for metrics (`nil` before it reports).
    public func lag(of source: SourceID, now: Timestamp) -> Duration? {
        sources[source]?.watermark.map { now.duration(since: $0) }
    }
}

/// The merge order of a row: event time, then the deduplication key as a tie-breaker.
public struct MergeKey: Hashable, Comparable, Sendable {
    public var time: Timestamp
    public var key: String

    public init(time: Timestamp, key: String) {
        self.time = time
        self.key = key
    }

    public static func < (lhs: MergeKey, rhs: MergeKey) -> Bool {
        (lhs.time, lhs.key) < (rhs.time, rhs.key)
    }
}

extension MergeState {
    /// Releases from an in-memory set of pending rows (the journal does the same in SQL): every
    /// row with `time <= releasableFrontier(now:)`, in merge order, late rows flagged. Removes
    /// the released rows from `pending`.
    public mutating func release(from pending: inout [MergeKey], now: Timestamp) -> [(key: MergeKey, late: Bool)] {
        let target = releasableFrontier(now: now)
        var ready: [MergeKey] = []
        pending.removeAll { row in
            if row.time <= target {
                ready.append(row)
                return true
            }
            return false
        }
        ready.sort()
        let released = ready.map { (key: $0, late: isLate($0.time)) }
        didRelease(upTo: target)
        return released
    }
}
