/// Exponential backoff with jitter: the next delay before retrying a failed call. A pure value;
/// the caller sleeps.
package struct Backoff: Sendable, Equatable {
    package var initial: Duration
    package var maximum: Duration
    package var multiplier: Double
    /// Fraction of the delay that is randomised: 0.5 gives a delay in [base/2, base].
    package var jitter: Double
    /// Failures since the last success.
    package private(set) var attempt: Int = 0

    package init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60), multiplier: Double = 2, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before the next attempt; `retryAfter` (a server's `Retry-After`) wins when it is
    /// longer, capped at ten times `maximum` so a bogus header cannot park the caller forever.
    package mutating func nextDelay(retryAfter: Duration? = nil, using rng: inout some RandomNumberGenerator) -> Duration {
        let base = min(maximum.secondsDouble, initial.secondsDouble * pow(multiplier, Double(min(attempt, 62))))
        attempt += 1
        let low = base * (1 - jitter)
        var seconds = low + Double.random(in: 0...max(base - low, 0), using: &rng)
        if let retryAfter {
            seconds = max(seconds, min(retryAfter.secondsDouble, maximum.secondsDouble * 10))
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    package mutating func nextDelay(retryAfter: Duration? = nil) -> Duration {
        var rng = SystemRandomNumberGenerator()
        return nextDelay(retryAfter: retryAfter, using: &rng)
    }

    /// Call after a success: the next failure starts from `initial` again.
    package mutating func reset() {
        attempt = 0
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var k = 0.0
    while k < exponent {
        result *= base
        k += 1
    }
    return result
}
