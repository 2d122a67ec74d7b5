import Foundation
import Synchronization

/// The simulator's notion of "now": the host's wall clock plus an offset, so a test can make
/// "Twilio" run ahead of or behind the forwarder's clock (clock skew). Everything the simulator
/// dates or filters by time reads it: the end of the history, live events and their visibility,
/// listings, ground truth and CloudEvents. (The HTTP `Date` header stays the host's: Hummingbird
/// writes it after the route answers.)
final class SimulatorClock: Sendable {
    private let offsetMs: Atomic<Int64>

    init(offset: Duration) {
        offsetMs = Atomic(offset.milliseconds)
    }

    /// Simulated wall-clock time in epoch milliseconds.
    func nowMs() -> Int64 {
        wallClockMilliseconds() + offsetMs.load(ordering: .relaxed)
    }

    /// How far the simulated clock runs ahead of the host's (negative: behind).
    var offset: Duration {
        .milliseconds(offsetMs.load(ordering: .relaxed))
    }

    func setOffset(_ offset: Duration) {
        offsetMs.store(offset.milliseconds, ordering: .relaxed)
    }
}

/// The host's wall-clock time in epoch milliseconds. Only ``SimulatorClock`` reads it: event
/// dates follow the simulated clock, as Twilio's follow Twilio's.
func wallClockMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}
