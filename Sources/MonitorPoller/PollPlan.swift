import ForwarderCore

/// One request range the poller pages through, and what completing it proves.
package struct PollWindow: Sendable, Equatable {
    /// A whole settled UTC day during backfill, or the live range since the cursor.
    package enum Kind: Sendable, Equatable {
        case backfillDay(CivilDate)
        case live
    }

    package var kind: Kind
    /// `StartDate` of the request.
    package var start: Timestamp
    /// `EndDate` of the request (nil: up to now).
    package var end: Timestamp?
    /// Paging stops once a page holds an event older than this: everything before was
    /// fetched by an earlier window (results come newest first).
    package var stopBefore: Timestamp

    package init(kind: Kind, start: Timestamp, end: Timestamp?, stopBefore: Timestamp) {
        self.kind = kind
        self.start = start
        self.end = end
        self.stopBefore = stopBefore
    }
}

/// The cursor algorithm of the Monitor poller as pure decisions: which window to ask for next,
/// when to stop paging, where the cursor and the watermark go once a window is complete.
///
/// Correct whether the API filters `StartDate`/`EndDate` by whole days (as the published page
/// says) or to the second (as the OpenAPI spec types them): windows overlap by `lookback`, the
/// journal deduplicates by sid, and paging stops at the first event older than the window.
/// `lookback` must exceed the longest delay before an event becomes visible in the API.
package struct PollPlan: Sendable, Equatable {
    package var lookback: Duration

    package init(lookback: Duration) {
        self.lookback = lookback
    }

    /// Where a poller with no checkpoint starts: the UTC day of `start_from`, or of
    /// `now - backfill`.
    package static func initialCursor(start: MonitorStart, now: Timestamp) -> MonitorCursor {
        switch start {
        case .from(let ms):
            return MonitorCursor(phase: .backfill(Timestamp(epochMilliseconds: ms).utcDate))
        case .backfill(let duration):
            return MonitorCursor(phase: .backfill(now.subtracting(duration).utcDate))
        }
    }

    /// The next window: a whole UTC day while that day is settled (ended more than `lookback`
    /// ago), else the live range starting `lookback` before the cursor.
    package func window(for cursor: MonitorCursor, now: Timestamp) -> PollWindow {
        let settled = now.subtracting(lookback)
        switch cursor.phase {
        case .backfill(let day) where day.next.startOfDay <= settled:
            return PollWindow(
                kind: .backfillDay(day),
                start: day.startOfDay,
                end: day.next.startOfDay.subtracting(.seconds(1)),
                stopBefore: day.startOfDay
            )
        case .backfill(let day):
            let start = day.startOfDay.subtracting(lookback)
            return PollWindow(kind: .live, start: start, end: nil, stopBefore: start)
        case .live:
            // Start where the last window was settled (everything older was visible then), or
            // `lookback` before the newest event, whichever is later: both are complete points.
            let fromNewest = (cursor.newest ?? settled).subtracting(lookback)
            let start = max(fromNewest, cursor.watermark.map { $0.adding(.milliseconds(1)) } ?? fromNewest)
            return PollWindow(kind: .live, start: min(start, settled), end: nil, stopBefore: min(start, settled))
        }
    }

    /// Whether to fetch the page after this one: not when this page already reached events
    /// older than the window (or it was the last page).
    package func shouldFetchNextPage(after page: [TwilioEvent], hasNextPage: Bool, window: PollWindow) -> Bool {
        guard hasNextPage else { return false }
        return !page.contains { $0.timeSource == .event && $0.time < window.stopBefore }
    }

    /// The cursor once every page of `window` has been stored. `newestSeen` is the newest event
    /// time in the window's pages; `pollStartedAt` is when its first page was requested.
    package func cursor(after window: PollWindow, previous: MonitorCursor, newestSeen: Timestamp?, pollStartedAt: Timestamp) -> MonitorCursor {
        let settled = pollStartedAt.subtracting(lookback)
        switch window.kind {
        case .backfillDay(let day):
            let mark = day.next.startOfDay.subtracting(.milliseconds(1))
            return MonitorCursor(phase: .backfill(day.next), newest: nil, watermark: Self.later(previous.watermark, min(mark, settled)),
                                 seen: Self.later(previous.seen, min(mark, pollStartedAt)))
        case .live:
            // Every event older than `settled` was visible when this window started, so the next
            // window may start at `settled` without missing one that becomes visible late.
            var newest = Self.later(previous.newest, newestSeen) ?? settled
            if case .backfill(let day) = previous.phase { newest = max(newest, day.startOfDay) }
            return MonitorCursor(phase: .live, newest: newest, watermark: Self.later(previous.watermark, settled),
                                 seen: Self.later(previous.seen, pollStartedAt))
        }
    }

    static func later(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
        switch (a, b) {
        case (nil, nil): nil
        case (let x?, nil), (nil, let x?): x
        case (let x?, let y?): max(x, y)
        }
    }
}
