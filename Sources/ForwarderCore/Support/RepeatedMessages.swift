/// Logging the same failure once, not once per retry: the first occurrence goes out at once, the
/// same message again only once `interval` has passed — then with how often it repeated meanwhile.
/// A different message, or a success (`reset`), starts over. A value; the caller logs.
package struct RepeatedMessages: Sendable, Equatable {
    package var interval: Duration
    private var last: String?
    private var lastLogged: Timestamp?
    private var suppressed = 0

    package init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    /// Whether to log `message` now, and how many identical ones were held back since the last.
    package mutating func record(_ message: String, now: Timestamp) -> (log: Bool, repeated: Int) {
        if message == last, let lastLogged, now.duration(since: lastLogged) < interval {
            suppressed += 1
            return (false, 0)
        }
        let repeated = message == last ? suppressed : 0
        last = message
        lastLogged = now
        suppressed = 0
        return (true, repeated)
    }

    /// The failure is over: the next one is logged at once.
    package mutating func reset() {
        last = nil
        lastLogged = nil
        suppressed = 0
    }
}
