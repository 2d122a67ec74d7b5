import ForwarderCore
import Synchronization

/// A wall clock the test moves by hand.
package final class ManualClock: Sendable {
    private let time: Mutex<Timestamp>

    package init(_ start: Timestamp = Timestamp(epochMilliseconds: 1_700_000_000_000)) {
        time = Mutex(start)
    }

    package var now: Timestamp { time.withLock { $0 } }
    package var clock: WallClock { WallClock { [self] in now } }

    package func advance(_ duration: Duration) {
        time.withLock { $0 = $0.adding(duration) }
    }
}
