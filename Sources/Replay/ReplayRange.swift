import ForwarderCore

/// The time range of a replay, `[from, to)`: `YYYY-MM-DD` names whole UTC days (`--to` inclusive),
/// an RFC 3339 instant is exact. Fetched day by day (the Monitor API filters by whole days) and cut
/// locally to the range.
package struct ReplayRange: Sendable, Equatable, CustomStringConvertible {
    package var from: Timestamp
    package var to: Timestamp

    package init(from: Timestamp, to: Timestamp) {
        self.from = from
        self.to = to
    }

    /// Parses and checks `--from`/`--to` at `now`; a range partly in the future ends at `now`.
    package static func parse(from: String, to: String, now: Timestamp) throws(ReplayRangeError) -> ReplayRange {
        guard let start = bound(from, name: "--from", endOfDay: false) else {
            throw ReplayRangeError("--from \(from) is not a date (YYYY-MM-DD) or an RFC 3339 time such as 2026-11-03T10:00:00Z.")
        }
        guard let end = bound(to, name: "--to", endOfDay: true) else {
            throw ReplayRangeError("--to \(to) is not a date (YYYY-MM-DD) or an RFC 3339 time such as 2026-11-06T18:00:00Z.")
        }
        guard start < end else {
            throw ReplayRangeError("--from \(from) is not before --to \(to): the range is empty (a date --to includes its whole day).")
        }
        guard start < now else {
            throw ReplayRangeError("--from \(from) is in the future: there is nothing to replay yet.")
        }
        return ReplayRange(from: start, to: min(end, now))
    }

    /// A date is the start of its day (`--from`) or the start of the next (`--to`, inclusive).
    private static func bound(_ text: String, name: String, endOfDay: Bool) -> Timestamp? {
        if text.count == 10, let day = Timestamp(iso8601: text)?.utcDate, day.isValid, day.description == text {
            return endOfDay ? day.next.startOfDay : day.startOfDay
        }
        guard text.count > 10 else { return nil }
        return Timestamp(iso8601: text)
    }

    /// The UTC days the range touches, oldest first.
    package var days: [CivilDate] {
        var days: [CivilDate] = []
        var day = from.utcDate
        while day.startOfDay < to {
            days.append(day)
            day = day.next
        }
        return days
    }

    /// The part of `day` inside the range, `[start, end)`.
    package func window(of day: CivilDate) -> (start: Timestamp, end: Timestamp) {
        (max(from, day.startOfDay), min(to, day.next.startOfDay))
    }

    /// Whether the range reaches further back than Twilio keeps Monitor events (30 days; 13 months
    /// on some editions): what the API no longer has cannot be replayed.
    package func olderThanRetention(now: Timestamp) -> Bool {
        from < now.subtracting(.seconds(30 * 86_400))
    }

    package var description: String { "\(from.rfc3339) – \(to.rfc3339)" }
}

/// A replay range a user cannot mean: one sentence naming the option at fault.
package struct ReplayRangeError: Error, CustomStringConvertible, Sendable, Equatable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
