/// How many days a replay fetches at once: starts at the configured maximum, halves on every
/// 429 (Twilio's 20429 is a concurrency limit), and grows by one again after as many successful
/// pages as are in flight, up to the maximum — additive increase, multiplicative decrease.
package struct ReplayConcurrency: Sendable, Equatable {
    package let maximum: Int
    package private(set) var limit: Int
    private var successes = 0

    package init(maximum: Int) {
        self.maximum = max(1, maximum)
        self.limit = self.maximum
    }

    /// A request was refused for concurrency (429).
    package mutating func throttled() {
        limit = max(1, limit / 2)
        successes = 0
    }

    /// A page arrived.
    package mutating func succeeded() {
        guard limit < maximum else { return }
        successes += 1
        if successes >= limit {
            limit += 1
            successes = 0
        }
    }
}
