/// The merger's decision state: each source's watermark, what entered the journal and is not
/// released yet, and the release frontier. No I/O, no clock.
///
/// A source's watermark says "no event older than this is still expected from me". Everything
/// with `time <= frontier` has been released; the frontier moves up to the minimum watermark of
/// the sources that are not stalled (a source whose watermark has not moved for longer than
/// `maxHold` stops holding the others back) — and, whatever the watermarks, far enough that no
/// event waits in the journal longer than `maxDelay` after it arrived (never past `now`, so an
/// event dated in the future waits for its time rather than making everything after it late).
/// A row that shows up with `time <= frontier` was missed by its turn: it is released next and
/// flagged late.
package struct MergeState: Sendable, Equatable {
    /// Events that entered the journal together (one page, one group commit): when they arrived
    /// and the newest event time among them.
    package struct Arrival: Sendable, Equatable {
        package var receivedAt: Timestamp
        package var newest: Timestamp

        package init(receivedAt: Timestamp, newest: Timestamp) {
            self.receivedAt = receivedAt
            self.newest = newest
        }
    }

    /// Progress of one source as the merger sees it.
    package struct SourceProgress: Sendable, Equatable {
        /// Nil until the source reports its first watermark.
        package var watermark: Timestamp?
        /// When the watermark last moved forward (or when the source was registered).
        package var lastAdvanced: Timestamp
    }

    package private(set) var frontier: Timestamp
    package private(set) var sources: [SourceID: SourceProgress]
    package var maxHold: Duration
    /// The longest an event waits in the journal for the others to be ordered before it.
    package var maxDelay: Duration
    /// Arrivals with an event after the frontier, oldest first.
    package private(set) var arrivals: [Arrival] = []

    package init(frontier: Timestamp = .distantPast, sources: [SourceID], maxHold: Duration, maxDelay: Duration = .seconds(1), now: Timestamp) {
        self.frontier = frontier
        self.maxHold = maxHold
        self.maxDelay = maxDelay
        self.sources = Dictionary(uniqueKeysWithValues: sources.map { ($0, SourceProgress(watermark: nil, lastAdvanced: now)) })
    }

    /// Records events that entered the journal; by `arrival.receivedAt + maxDelay` they are released.
    package mutating func arrived(_ arrival: Arrival) {
        guard arrival.newest > frontier else { return }
        if let last = arrivals.last, last.receivedAt > arrival.receivedAt {
            let index = arrivals.firstIndex { $0.receivedAt > arrival.receivedAt } ?? arrivals.endIndex
            arrivals.insert(arrival, at: index)
        } else {
            arrivals.append(arrival)
        }
    }

    /// How far the delay bound alone moves the frontier now: to the newest event of every arrival
    /// that has waited `maxDelay`, but not past `now`.
    func delayBound(now: Timestamp) -> Timestamp? {
        let due = now.subtracting(maxDelay)
        var bound: Timestamp?
        for arrival in arrivals {
            guard arrival.receivedAt <= due else { break }
            bound = max(bound ?? arrival.newest, arrival.newest)
        }
        return bound.map { min($0, now) }
    }

    /// When the delay bound next has something to release, if ever: the oldest waiting arrival's
    /// deadline (or, for events dated after it, their time).
    package func nextDeadline() -> Timestamp? {
        arrivals.lazy.map { max($0.receivedAt.adding(self.maxDelay), $0.newest) }.min()
    }

    /// When the oldest event still waiting for release arrived (the merge's delay is now minus this).
    package var oldestWaiting: Timestamp? {
        arrivals.first?.receivedAt
    }

    /// Records a source's watermark; watermarks never move backwards.
    package mutating func advance(_ source: SourceID, to watermark: Timestamp, now: Timestamp) {
        var progress = sources[source] ?? SourceProgress(watermark: nil, lastAdvanced: now)
        if progress.watermark.map({ watermark > $0 }) ?? true {
            progress.watermark = watermark
            progress.lastAdvanced = now
        }
        sources[source] = progress
    }

    /// True when the source's watermark has not moved for longer than `maxHold`.
    package func isStalled(_ source: SourceID, now: Timestamp) -> Bool {
        guard let progress = sources[source] else { return false }
        return now.duration(since: progress.lastAdvanced) > maxHold
    }

    /// How far the frontier may move now: the minimum watermark of the sources that are not
    /// stalled (or the maximum of all watermarks when every source is stalled). Never behind
    /// the current frontier.
    package func releasableFrontier(now: Timestamp) -> Timestamp {
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
        var target = anyActive ? (minimum ?? .distantPast) : (maximum ?? .distantPast)
        if let bound = delayBound(now: now) { target = max(target, bound) }
        return max(frontier, target)
    }

    /// Records that everything up to `newFrontier` has been released.
    package mutating func didRelease(upTo newFrontier: Timestamp) {
        frontier = max(frontier, newFrontier)
        arrivals.removeAll { $0.newest <= frontier }
    }

    /// Whether a row with this time, released now, is late.
    package func isLate(_ time: Timestamp) -> Bool {
        time <= frontier
    }

    /// How far behind the frontier a source's watermark is, for metrics (`nil` before it reports).
    package func lag(of source: SourceID, now: Timestamp) -> Duration? {
        sources[source]?.watermark.map { now.duration(since: $0) }
    }
}

/// The merge order of a row: event time, then the deduplication key as a tie-breaker.
package struct MergeKey: Hashable, Comparable, Sendable {
    package var time: Timestamp
    package var key: String

    package init(time: Timestamp, key: String) {
        self.time = time
        self.key = key
    }

    package static func < (lhs: MergeKey, rhs: MergeKey) -> Bool {
        (lhs.time, lhs.key) < (rhs.time, rhs.key)
    }
}
