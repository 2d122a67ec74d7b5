import ForwarderCore
import Journal
import Logging
import Metrics
import ServiceLifecycle

/// Releases journal rows in `(time, id)` order up to the minimum of the sources' watermarks,
/// assigning the release sequence the outputs follow. The decisions live in `MergeState`; this
/// actor moves data between it, the journal and the outputs.
public actor Merger: WatermarkReporter {
    private var state: MergeState
    private let journal: Journal
    private let outputs: [Wakeup]
    private let wakeup = Wakeup()
    private let clock: WallClock
    private let logger: Logger
    private let batchSize: Int
    private let released: Counter
    private let late: Counter
    private let frontierLag: Gauge

    public init(journal: Journal, sources: [SourceID], maxHold: Duration, outputs: [Wakeup], clock: WallClock = .system, batchSize: Int = 5000, logger: Logger) async throws {
        let progress = try await journal.mergeProgress()
        self.state = MergeState(frontier: progress.frontier, sources: sources, maxHold: maxHold, now: clock.now())
        self.journal = journal
        self.outputs = outputs
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
        released = Counter(label: "forwarder_merge_released_total")
        late = Counter(label: "forwarder_merge_late_total")
        frontierLag = Gauge(label: "forwarder_merge_frontier_lag_seconds")
    }

    public func report(_ source: SourceID, watermark: Timestamp) async {
        state.advance(source, to: watermark, now: clock.now())
        await wakeup.signal()
    }

    public func journalChanged() async {
        await wakeup.signal()
    }

    /// The current frontier (everything at or before it is released).
    public var frontier: Timestamp { state.frontier }

    /// Releases everything that may be released now; returns how many rows got a sequence.
    @discardableResult
    public func releaseNow() async throws -> Int {
        let now = clock.now()
        let target = state.releasableFrontier(now: now)
        let lateThreshold = state.frontier
        var total = 0
        var lateCount = 0
        while true {
            let batch = try await journal.release(upTo: target, lateAtOrBefore: lateThreshold, limit: batchSize)
            total += batch.released
            lateCount += batch.late
            if batch.released > 0 {
                for output in outputs { await output.signal() }
            }
            if batch.complete { break }
        }
        state.didRelease(upTo: target)
        released.increment(by: total)
        if lateCount > 0 {
            late.increment(by: lateCount)
            logger.notice("Released \(lateCount) late events (they arrived after their time was released)")
        }
        if state.frontier > .distantPast {
            frontierLag.record(max(0, now.duration(since: state.frontier).secondsDouble))
        }
        return total
    }

    /// Waits for a watermark or new rows (or at most `timeout`, so stalled sources are noticed).
    func waitForWork(timeout: Duration) async {
        await wakeup.wait(timeout: timeout)
    }

    func wake() async {
        await wakeup.signal()
    }
}

/// Runs the merger until shutdown, with one final release on the way out.
public struct MergerService: Service {
    let merger: Merger
    let logger: Logger

    public init(merger: Merger, logger: Logger) {
        self.merger = merger
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try await merger.releaseNow()
            await withGracefulShutdownHandler {
                await merger.waitForWork(timeout: .seconds(1))
            } onGracefulShutdown: {
                Task { await merger.wake() }
            }
        }
        try await merger.releaseNow()
    }
}
