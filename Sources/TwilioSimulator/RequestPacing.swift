import Foundation
import Synchronization

/// How long every API answer takes, like a real Twilio page (a few hundred milliseconds): a mean
/// and a uniform jitter around it, parsed from `200ms±50ms` (or `200ms+-50ms`, or `200ms`).
package struct ResponseLatency: Sendable, Equatable, CustomStringConvertible {
    package var mean: Duration
    package var jitter: Duration

    package init(mean: Duration, jitter: Duration = .zero) {
        self.mean = mean
        self.jitter = min(jitter, mean)
    }

    /// Parses `200ms±50ms`; the error names the part that could not be used.
    package init(parsing text: String) throws(SimulatorConfigurationError) {
        let trimmed = text.trimmingSpaces()
        let separator = trimmed.range(of: "±") ?? trimmed.range(of: "+-")
        let meanText = separator.map { String(trimmed[..<$0.lowerBound]) } ?? trimmed
        let jitterText = separator.map { String(trimmed[$0.upperBound...]) }
        guard let mean = Self.duration(meanText) else {
            throw SimulatorConfigurationError("Latency \"\(text)\" is not a duration like 200ms or 200ms±50ms.")
        }
        var jitter = Duration.zero
        if let jitterText {
            guard let value = Self.duration(jitterText) else {
                throw SimulatorConfigurationError("Latency jitter \"\(jitterText)\" in \"\(text)\" is not a duration like 50ms.")
            }
            jitter = value
        }
        self.init(mean: mean, jitter: jitter)
    }

    /// One answer's delay, `mean ± jitter`, from `unit` in [0, 1).
    func delay(unit: Double) -> Duration {
        mean - jitter + jitter * (2 * unit)
    }

    package var description: String {
        jitter == .zero ? "\(mean)" : "\(mean) ± \(jitter)"
    }

    private static func duration(_ text: String) -> Duration? {
        let t = text.trimmingSpaces()
        for (suffix, scale) in [("ms", 1.0), ("s", 1000.0)] where t.hasSuffix(suffix) {
            guard let value = Double(t.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            return .milliseconds(Int64((value * scale).rounded()))
        }
        return nil
    }
}

/// Requests in flight, for `--max-concurrent-requests`: Twilio answers 429 with error 20429 to an
/// account that has too many API requests open at once.
final class ConcurrencyLimit: Sendable {
    let limit: Int
    private let inFlight = Mutex(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place; false when all are taken.
    func enter() -> Bool {
        inFlight.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        inFlight.withLock { $0 -= 1 }
    }
}

/// The seeded draws of the response latency's jitter, shared by concurrent requests.
final class LatencyJitter: Sendable {
    private let rng: Mutex<SplitMix64>

    init(seed: UInt64) {
        rng = Mutex(SplitMix64(seed: seed, stream: RandomStream.latency, index: 0))
    }

    /// The next value in [0, 1).
    func next() -> Double {
        rng.withLock { $0.nextUnit() }
    }
}
