import ForwarderCore
import Journal
import Logging
import Metrics
import ServiceLifecycle

/// Releases journal rows in `(time, id)` order up to the minimum of the sources' watermarks — but
/// never later than `maxDelay` after they arrived — assigning the release sequence the outputs
/// follow; on a clean stop it releases everything. The decisions live in `MergeState`; this actor
/// moves data between it, the journal and the outputs.
package actor Merger: WatermarkReporter {
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
    private let delay: Gauge
    private let health: HealthRegistry?
    /// Waiting longer than this (several times the bound) means releasing is failing.
    private let delayAlarm: Duration

    package init(journal: Journal, sources: [SourceID], maxHold: Duration, maxDelay: Duration = .seconds(1), outputs: [Wakeup],
                clock: WallClock = .system, batchSize: Int = 5000, health: HealthRegistry? = nil, logger: Logger) async throws {
        let progress = try await journal.mergeProgress()
        var state = MergeState(frontier: progress.frontier, sources: sources, maxHold: maxHold, maxDelay: maxDelay, now: clock.now())
        // Events left waiting by an earlier run are due as if they had arrived then.
        if let waiting = try await journal.pendingSummary() {
            state.arrived(MergeState.Arrival(receivedAt: waiting.oldestReceived, newest: waiting.newest))
        }
        self.state = state
        self.health = health
        self.delayAlarm = max(.seconds(30), maxDelay * 10)
        self.journal = journal
        self.outputs = outputs
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
        released = Counter(label: "siem_forwarder_merge_released_total")
        late = Counter(label: "siem_forwarder_merge_late_total")
        frontierLag = Gauge(label: "siem_forwarder_merge_frontier_lag_seconds")
        delay = Gauge(label: "siem_forwarder_merge_delay_seconds")
    }



    package func report(_ source: SourceID, watermark: Timestamp) async {
        state.advance(source, to: watermark, now: clock.now())
        await wakeup.signal()
    }

    package func journalChanged(_ arrival: MergeState.Arrival) async {
        state.arrived(arrival)
        await wakeup.signal()
    }

    /// How long the oldest event waiting for release has waited (0 when none waits).
    package func currentDelay() -> Duration {
        state.oldestWaiting.map { max(.zero, clock.now().duration(since: $0)) } ?? .zero
    }

    /// The current frontier (everything at or before it is released).
    package var frontier: Timestamp { state.frontier }

    /// Releases everything that may be released now; returns how many rows got a sequence.
    @discardableResult
    package func releaseNow() async throws -> Int {
        try await release(upTo: state.releasableFrontier(now: clock.now()))
    }

    /// Releases everything in the journal (a clean stop, once the sources have stopped): nothing
    /// is left for the outputs to miss. Events arriving behind the frontier later are late, as ever.
    @discardableResult
    package func releaseEverything() async throws -> Int {
        var target = state.releasableFrontier(now: clock.now())
        if let waiting = try await journal.pendingSummary() { target = max(target, waiting.newest) }
        return try await release(upTo: target)
    }

    private func release(upTo target: Timestamp) async throws -> Int {
        let now = clock.now()
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
        await recordDelay(now: now)
        return total
    }

    private func recordDelay(now: Timestamp) async {
        let waited = state.oldestWaiting.map { max(.zero, now.duration(since: $0)) } ?? .zero
        delay.record(waited.secondsDouble)
        if waited > delayAlarm {
            await health?.failing(HealthComponent.merge, reason: "the oldest event has waited \(Int(waited.secondsDouble)) s for release (bound \(DurationText.format(state.maxDelay)))")
        } else {
            await health?.ok(HealthComponent.merge, detail: "oldest event waiting \(Int(waited.secondsDouble * 1000)) ms", progress: true)
        }
    }

    /// Waits for a watermark or new rows, or until the delay bound has something due (at most
    /// `timeout`, so stalled sources are noticed).
    func waitForWork(timeout: Duration) async {
        var wait = timeout
        if let deadline = state.nextDeadline() {
            wait = max(.milliseconds(1), min(wait, deadline.duration(since: clock.now()) + .milliseconds(1)))
        }
        await wakeup.wait(timeout: wait)
    }

    func wake() async {
        await wakeup.signal()
    }
}

/// Runs the merger until shutdown; on the way out (after the sources stopped) it releases
/// everything in the journal, so the outputs, which stop after it, deliver all of it.
package struct MergerService: Service {
    let merger: Merger
    let logger: Logger

    package init(merger: Merger, logger: Logger) {
        self.merger = merger
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try await merger.releaseNow()
            await withGracefulShutdownHandler {
                await merger.waitForWork(timeout: .seconds(1))
            } onGracefulShutdown: {
                Task { await merger.wake() }
            }
        }
        let released = try await merger.releaseEverything()
        if released > 0 {
            logger.info("Released the \(released) events still waiting, for the outputs to deliver before they stop")
        }
    }
}
