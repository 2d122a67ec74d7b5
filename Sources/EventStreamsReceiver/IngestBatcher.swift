import ForwarderCore
import Journal
import Logging
import Metrics

/// Group commit: collects the events of concurrent deliveries and writes them to the store (the
/// journal) in one `append` per batch (one transaction, one fsync for many requests), then resumes each
/// delivery with its own counts. A delivery returns only after its batch committed.
///
/// There is no timer: a commit starts as soon as the previous one finished, and whatever arrived
/// meanwhile forms the next batch (up to `maxBatchEvents`, but always at least one delivery).
actor IngestBatcher {
    private struct Waiter {
        var events: [TwilioEvent]
        var receivedAt: Timestamp
        var continuation: CheckedContinuation<IngestOutcome, any Error>
    }

    private let store: any IngestStore
    private let reporter: any WatermarkReporter
    private let health: HealthRegistry?
    private let logger: Logger
    let maxBatchEvents: Int

    private var queue: [Waiter] = []
    private var committing = false
    /// Journal transactions this batcher has run (successful or not).
    private(set) var transactions = 0

    // Test hooks: hold commits back, and wait for deliveries to queue up.
    private var held = false
    private var queueWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    private let newEvents = Counter(label: "siem_forwarder_event_streams_events_total", dimensions: [("result", "new")])
    private let duplicateEvents = Counter(label: "siem_forwarder_event_streams_events_total", dimensions: [("result", "duplicate")])
    private let commitTimer = Metrics.Timer(label: "siem_forwarder_event_streams_commit_duration_seconds")
    private let batchSize = Recorder(label: "siem_forwarder_event_streams_commit_batch_deliveries")

    init(store: any IngestStore, reporter: any WatermarkReporter, health: HealthRegistry?, logger: Logger,
         maxBatchEvents: Int = 5000) {
        self.store = store
        self.reporter = reporter
        self.health = health
        self.logger = logger
        self.maxBatchEvents = maxBatchEvents
    }

    /// Stores the events durably (with the deliveries that arrive meanwhile) and returns how many
    /// were new; throws the journal's error when the transaction failed.
    func ingest(_ events: [TwilioEvent], receivedAt: Timestamp) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Waiter(events: events, receivedAt: receivedAt, continuation: continuation))
            notifyQueueWatchers()
            startCommittingIfIdle()
        }
    }

    private func startCommittingIfIdle() {
        guard !committing, !held, !queue.isEmpty else { return }
        committing = true
        Task { await self.commitUntilEmpty() }
    }

    private func commitUntilEmpty() async {
        while !held, !queue.isEmpty {
            await commit(takeBatch())
        }
        committing = false
    }

    /// Whole deliveries from the front of the queue, up to `maxBatchEvents` events (at least one).
    private func takeBatch() -> [Waiter] {
        var count = 0
        var events = 0
        while count < queue.count, count == 0 || events + queue[count].events.count <= maxBatchEvents {
            events += queue[count].events.count
            count += 1
        }
        let batch = Array(queue[..<count])
        queue.removeFirst(count)
        return batch
    }

    private func commit(_ waiters: [Waiter]) async {
        let batch = IngestBatch(waiters.map(\.events))
        let receivedAt = waiters.map(\.receivedAt).min() ?? Timestamp(epochMilliseconds: 0)
        let started = ContinuousClock.now
        let outcomes: [IngestOutcome]
        transactions += 1
        do {
            outcomes = try await store.store(batch, receivedAt: receivedAt)
        } catch {
            logger.error("Event Streams deliveries could not be stored; answering 503",
                         metadata: ["deliveries": "\(waiters.count)", "error": "\(error)"])
            await health?.failing(EventStreamsReceiver.healthComponent, reason: "the journal refused Event Streams events: \(error)")
            for waiter in waiters { waiter.continuation.resume(throwing: error) }
            return
        }
        commitTimer.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        batchSize.record(waiters.count)
        let inserted = outcomes.reduce(0) { $0 + $1.inserted }
        let duplicates = outcomes.reduce(0) { $0 + $1.duplicates }
        for (waiter, outcome) in zip(waiters, outcomes) { waiter.continuation.resume(returning: outcome) }
        if inserted > 0 { newEvents.increment(by: inserted) }
        if duplicates > 0 { duplicateEvents.increment(by: duplicates) }
        await health?.ok(EventStreamsReceiver.healthComponent, detail: "stored \(inserted) new events", progress: true)
        if inserted > 0, let newest = waiters.lazy.flatMap(\.events).map(\.time).max() {
            await reporter.journalChanged(MergeState.Arrival(receivedAt: receivedAt, newest: newest))
        }
    }

    // MARK: Test hooks

    /// Stops starting commits until `release()`; deliveries queue up meanwhile.
    func hold() {
        held = true
    }

    /// Lets commits run again.
    func release() {
        held = false
        startCommittingIfIdle()
    }

    /// Returns once at least `count` deliveries are queued.
    func waitUntilQueued(_ count: Int) async {
        if queue.count >= count { return }
        await withCheckedContinuation { queueWatchers.append((count, $0)) }
    }

    private func notifyQueueWatchers() {
        queueWatchers.removeAll { watcher in
            guard queue.count >= watcher.count else { return false }
            watcher.continuation.resume()
            return true
        }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
