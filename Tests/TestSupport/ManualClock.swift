import ForwarderCore
import Synchronization

/// A wall clock the test moves by hand.
public final class ManualClock: Sendable {
    private let time: Mutex<Timestamp>

    public init(_ start: Timestamp = Timestamp(epochMilliseconds: 1_700_000_000_000)) {
        time = Mutex(start)
    }

    public var now: Timestamp { time.withLock { $0 } }
    public var clock: WallClock { WallClock { [self] in now } }

    public func advance(_ duration: Duration) {
        time.withLock { $0 = $0.adding(duration) }
    }
}
