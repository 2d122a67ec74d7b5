import ForwarderCore
import NIOCore

/// How far a job has got, for the progress line, the per-day log line, `GET /admin/replays/{id}`
/// and the summary.
package struct ReplayProgress: Sendable, Equatable {
    package var id: String
    package var state: ReplayState
    package var daysTotal: Int
    package var daysDone: Int
    package var events: Int
    package var requests: Int
    package var throttled: Int
    package var started: Timestamp
    package var lastError: String?
    /// Files each file output completed in this run, by output name.
    package var files: [String: Int] = [:]

    package init(id: String, state: ReplayState, daysTotal: Int, daysDone: Int = 0, events: Int = 0, requests: Int = 0,
                throttled: Int = 0, started: Timestamp, lastError: String? = nil) {
        self.id = id
        self.state = state
        self.daysTotal = daysTotal
        self.daysDone = daysDone
        self.events = events
        self.requests = requests
        self.throttled = throttled
        self.started = started
        self.lastError = lastError
    }

    /// Events per second since the start.
    package func rate(now: Timestamp) -> Double {
        let seconds = now.duration(since: started).secondsDouble
        return seconds > 0 ? Double(events) / seconds : 0
    }

    /// The time left at the pace so far, once a day is done.
    package func eta(now: Timestamp) -> Duration? {
        guard daysDone > 0, daysDone < daysTotal else { return nil }
        let perDay = now.duration(since: started) / daysDone
        return perDay * (daysTotal - daysDone)
    }

    /// `r-…: 3/10 days, 41,250 events, 12,840 events/s, 52 requests (2 × 429), ETA 3 s`.
    package func line(now: Timestamp) -> String {
        let eta = eta(now: now).map { ", ETA \(Int($0.secondsDouble.rounded())) s" } ?? ""
        let limited = throttled > 0 ? " (\(throttled) × 429)" : ""
        return "\(id): \(daysDone)/\(daysTotal) days, \(events) events, \(Int(rate(now: now))) events/s, \(requests) requests\(limited)\(eta)"
    }
}

extension ReplayProgress {
    /// The JSON of `GET /admin/replays/{id}`: state, days done and total, events, requests, 429s,
    /// rate, ETA and the last error.
    package func json(range: ReplayRange, now: Timestamp, into b: inout ByteBuffer) {
        b.writeStaticString("{\"id\":")
        b.writeJSONString(id)
        b.writeStaticString(",\"state\":")
        b.writeJSONString(state.rawValue)
        b.writeStaticString(",\"from\":")
        b.writeJSONString(range.from.rfc3339)
        b.writeStaticString(",\"to\":")
        b.writeJSONString(range.to.rfc3339)
        b.writeString(",\"days_total\":\(daysTotal),\"days_done\":\(daysDone),\"events\":\(events),\"requests\":\(requests),\"throttled\":\(throttled)")
        b.writeString(",\"events_per_second\":\(Int(rate(now: now)))")
        if let eta = eta(now: now) { b.writeString(",\"eta_seconds\":\(Int(eta.secondsDouble.rounded()))") }
        if let lastError {
            b.writeStaticString(",\"last_error\":")
            b.writeJSONString(lastError)
        }
        b.writeStaticString("}")
    }
}
