import ForwarderCore
import Journal
import Logging
import Metrics
import NIOCore
import OutputFormats
import ServiceLifecycle
import Synchronization

/// One configured output: reads released events from the journal after its own committed
/// position, encodes and frames them, hands them to its sink, and commits what the sink says is
/// durable. A slow or broken output never holds back another: each has its own position.
package final class OutputService: Service, Sendable {
    package let name: String
    let encoder: any EventEncoder
    let framer: any RecordFramer
    let sink: any RecordSink
    let journal: Journal
    let wakeup: Wakeup
    let batchSize: Int
    let clock: WallClock
    let health: HealthRegistry?
    let logger: Logger
    let retry: Backoff
    /// How long the output keeps delivering its released backlog once shutdown began; nil
    /// delivers all of it (`run --once`). What is left is delivered after the next start.
    let drainOnStop: Duration?
    private let progress: OutputProgress
    /// Set by `reopenFiles()`; the delivery loop reopens between two batches.
    private let reopenRequested = Mutex(false)

    private let eventsWritten: Counter
    private let bytesWritten: Counter
    private let failures: Counter
    /// Age (by event time) of the newest event written: how fresh the destination's data is.
    private let eventAge: Gauge

    package init(
        name: String, encoder: any EventEncoder, framer: any RecordFramer, sink: any RecordSink,
        journal: Journal, wakeup: Wakeup, batchSize: Int = 1000, retry: Backoff = Backoff(), drainOnStop: Duration? = nil,
        clock: WallClock = .system, health: HealthRegistry? = nil, logger: Logger
    ) {
        self.name = name
        self.encoder = encoder
        self.framer = framer
        self.sink = sink
        self.journal = journal
        self.wakeup = wakeup
        self.batchSize = batchSize
        self.retry = retry
        self.drainOnStop = drainOnStop
        self.clock = clock
        self.health = health
        self.logger = logger
        self.progress = OutputProgress()
        eventsWritten = Counter(label: "siem_forwarder_output_events_total", dimensions: [("output", name)])
        bytesWritten = Counter(label: "siem_forwarder_output_bytes_total", dimensions: [("output", name)])
        failures = Counter(label: "siem_forwarder_output_failures_total", dimensions: [("output", name)])
        eventAge = Gauge(label: "siem_forwarder_output_event_age_seconds", dimensions: [("output", name)])
    }

    /// The committer that turns a sink's requests into journal transactions.
    var committer: OutputCommitter {
        let progress = self.progress
        return .journal(journal, output: name, clock: clock) { await progress.committed($0) }
    }

    /// Asks the output to open its file again by path before its next batch (SIGHUP).
    package func reopenFiles() async {
        reopenRequested.withLock { $0 = true }
        await wakeup.signal()
    }

    /// The last sequence made durable at this output (for readiness and tests).
    package func committedSequence() async -> Int64 {
        await progress.sequence
    }

    package func run() async throws {
        await health?.register(.output(name))
        var loop = OutputLoop(mode: drainOnStop.map { .run(drain: $0) } ?? .once, backoff: retry, committed: await progress.sequence)
        var lastFailure: (any Error)?
        var repeats = RepeatedMessages()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await deliver(&loop)
                return
            } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                lastFailure = error
            } catch {
                lastFailure = error
                failures.increment()
                let committedBefore = loop.committedBefore
                let delay = loop.attemptFailed(committed: await progress.sequence)
                if loop.committedBefore > committedBefore { repeats.reset() }
                let (log, repeated) = repeats.record("\(error)", now: clock.now())
                if log {
                    var metadata: Logger.Metadata = ["error": "\(error)", "delay_ms": "\(delay.milliseconds)"]
                    if repeated > 0 { metadata["repeated"] = "\(repeated)" }
                    logger.error("Output \(name) failed; restarting it from its committed position", metadata: metadata)
                }
                await health?.failing(.output(name), reason: "\(error)")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
        guard !Task.isCancelled else { return }
        // Stopping while waiting to retry: one last attempt (bounded like any drain), so what the
        // merger released before the stop is delivered if the fault has cleared meanwhile.
        do {
            try await deliver(&loop)
            return
        } catch {
            lastFailure = error
        }
        let committed = await progress.sequence
        switch loop.unfinishedStop {
        case .incomplete:
            throw OutputIncomplete(output: name, sequence: committed, reason: "\(lastFailure.map { "\($0)" } ?? "stopped")")
        case .continueNextStart:
            logger.warning("Output \(name) stopped before its sink finished; it continues from sequence \(committed) on the next start", metadata: [
                "error": "\(lastFailure.map { "\($0)" } ?? "")",
            ])
        }
    }

    /// Recovers, then moves events until shutdown; on shutdown drains what is released (for at
    /// most the drain time) and finishes the sink.
    private func deliver(_ loop: inout OutputLoop) async throws {
        let committer = self.committer
        let stored = try await journal.outputPosition(name) ?? OutputPosition()
        let files = try await journal.outputFiles(name)
        var position = try await sink.recover(position: stored, files: files, commit: committer)
        await progress.committed(position.sequence)
        logger.info("Output \(name) resuming", metadata: ["sequence": "\(position.sequence)"])
        var batches = RecordBatchEncoder(encoder: encoder, framer: framer)
        delivering: while true {
            if reopenRequested.withLock({ requested in defer { requested = false }; return requested }) {
                try await sink.reopen(now: clock.now(), commit: committer)
            }
            let stopping = Task.isShuttingDownGracefully || Task.isCancelled
            let events = try await journal.events(after: position.sequence, limit: batchSize)
            switch loop.next(batch: events.count, stopping: stopping, now: clock.now()) {
            case .idle:
                try await sink.tick(now: clock.now(), commit: committer)
                await health?.ok(.output(name), detail: "idle at sequence \(position.sequence)", progress: true)
                await waitForWork()
                continue delivering
            case .finish:
                break delivering
            case .finishUndelivered:
                logger.warning("Output \(name) stops with part of its backlog undelivered; it continues from sequence \(position.sequence) on the next start")
                break delivering
            case .write:
                break
            }
            let last = events[events.count - 1]
            let batch = batches.batch(events, through: last.sequence)
            try await sink.write(batch, now: clock.now(), commit: committer)
            position.sequence = last.sequence
            eventsWritten.increment(by: events.count)
            bytesWritten.increment(by: batch.bytes.readableBytes)
            eventAge.record(max(0, clock.now().duration(since: last.event.time).secondsDouble))
            await health?.ok(.output(name), detail: "at sequence \(position.sequence)", progress: true)
        }
        try await sink.finish(now: clock.now(), commit: committer)
        logger.info("Output \(name) stopped", metadata: ["sequence": "\(position.sequence)"])
    }

    private func waitForWork() async {
        var timeout = Duration.seconds(1)
        if let deadline = await sink.nextDeadline() {
            let untilDeadline = deadline.duration(since: clock.now())
            timeout = max(.milliseconds(1), min(timeout, untilDeadline))
        }
        await withGracefulShutdownHandler {
            await wakeup.wait(timeout: timeout)
        } onGracefulShutdown: {
            Task { await self.wakeup.signal() }
        }
    }
}

/// An output that had to stop (`run --once` ending) before it delivered everything released.
package struct OutputIncomplete: Error, CustomStringConvertible, Sendable {
    package var output: String
    package var sequence: Int64
    package var reason: String

    package var description: String {
        "Output \(output) could not deliver everything before stopping (\(reason)); it continues from sequence \(sequence) on the next run."
    }
}

/// The committed sequence of one output, shared between its service and observers.
actor OutputProgress {
    private(set) var sequence: Int64 = 0

    func committed(_ sequence: Int64) {
        self.sequence = max(self.sequence, sequence)
    }
}
