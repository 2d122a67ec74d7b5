import ForwarderCore
import Journal
import Logging
import Metrics
import NATSClient
import NIOPosix
import ServiceLifecycle

/// `sources.nats`: reads a JetStream stream that other forwarders publish into, through a durable
/// pull consumer, and feeds what it reads into this forwarder's journal like any other source.
///
/// Exactly once into the outputs: a batch is acknowledged only after the journal committed its
/// events, so a crash before that gets the batch delivered again, and the journal (keyed by the
/// message's `Nats-Msg-Id`, the publisher's dedup key) ignores what it already holds. A message
/// that is not an NDJSON record is terminated — never delivered to this consumer again, still in
/// the stream — and logged with its stream sequence. The blocking C client runs on NIO's thread
/// pool, one call at a time.
package final class NATSSource: Service, Sendable {
    package static let healthComponent = HealthComponent.nats

    private let config: NATSSourceConfig
    private let journal: Journal
    private let reporter: any WatermarkReporter
    private let health: HealthRegistry?
    private let clock: WallClock
    private let logger: Logger
    private let stored: Counter
    private let duplicates: Counter
    private let rejected: Counter
    private let pending: Gauge
    /// Called once, the first time a fetch finds the consumer caught up (`run --once`).
    private let onCaughtUp: (@Sendable () async -> Void)?
    /// How long one fetch waits for messages: also how quickly a stop is noticed.
    static let fetchWait = Duration.seconds(1)

    package init(config: NATSSourceConfig, journal: Journal, reporter: any WatermarkReporter, health: HealthRegistry?,
                clock: WallClock = .system, logger: Logger, onCaughtUp: (@Sendable () async -> Void)? = nil) {
        self.config = config
        self.onCaughtUp = onCaughtUp
        self.journal = journal
        self.reporter = reporter
        self.health = health
        self.clock = clock
        self.logger = logger
        stored = Counter(label: "siem_forwarder_nats_messages_total", dimensions: [("result", "new")])
        duplicates = Counter(label: "siem_forwarder_nats_messages_total", dimensions: [("result", "duplicate")])
        rejected = Counter(label: "siem_forwarder_nats_messages_total", dimensions: [("result", "rejected")])
        pending = Gauge(label: "siem_forwarder_nats_pending_messages")
    }

    /// Consumes until graceful shutdown (or cancellation); a lost connection or a failed commit is
    /// retried with back-off, and nothing is acknowledged that is not in the journal.
    package func run() async throws {
        await health?.register(Self.healthComponent)
        await cancelWhenGracefulShutdown { [self] in
            var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(30))
            while !Task.isCancelled {
                do {
                    try await consume(resettingOnSuccess: &backoff)
                } catch {
                    guard !Task.isCancelled else { break }
                    let error = (error as? NATSError)?.forSource() ?? error
                    let delay = backoff.nextDelay()
                    logger.warning("NATS source failed; retrying in \(delay)", metadata: ["error": "\(error)"])
                    await health?.failing(Self.healthComponent, reason: "\(error)")
                    try? await Task.sleep(for: delay)
                }
            }
        }
        logger.info("NATS source stopped consuming \(config.stream) as \(config.durable)")
    }

    /// Connects as `run` would and says what the source would read (`validate --connect`): the
    /// stream exists, and the durable consumer's backlog, or that it will be created.
    package static func preflight(_ config: NATSSourceConfig) async throws -> String {
        do {
            return try await preflightChecks(config)
        } catch let error as NATSError {
            throw error.forSource()
        }
    }

    private static func preflightChecks(_ config: NATSSourceConfig) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            let connection = try NATSConnection(config.client, wait: .seconds(10))
            defer { connection.close() }
            let window = try connection.duplicateWindow(of: config.stream)
            let servers = config.client.servers.joined(separator: ", ")
            let consumer: String
            if let pending = try NATSPullConsumer.pending(connection: connection, stream: config.stream, durable: config.durable) {
                consumer = "its durable consumer \(config.durable) has \(pending) messages to deliver"
            } else {
                consumer = "the durable consumer \(config.durable) does not exist yet and is created on start (deliver: \(config.deliver.rawValue))"
            }
            return "NATS source reached JetStream stream \(config.stream) at \(servers) (duplicate window \(DurationText.format(window))); \(consumer)."
        }
    }

    /// One connection's life: connect, subscribe, then fetch, journal and acknowledge until
    /// cancelled or a NATS call fails.
    private func consume(resettingOnSuccess backoff: inout Backoff) async throws {
        let config = self.config
        let (connection, consumer) = try await NIOThreadPool.singleton.runIfActive {
            let connection = try NATSConnection(config.client, wait: .seconds(10))
            do {
                let consumer = try NATSPullConsumer(
                    connection: connection, stream: config.stream, durable: config.durable, filter: config.filterSubject,
                    deliverNew: config.deliver == .new, ackWait: config.ackWait, maxAckPending: max(config.batch * 4, 1024))
                return (connection, consumer)
            } catch {
                connection.close()
                throw error
            }
        }
        defer {
            consumer.close()
            connection.close()
        }
        logger.info("NATS source consumes stream \(config.stream) as durable consumer \(config.durable)", metadata: [
            "servers": "\(config.client.servers.joined(separator: ","))",
        ])
        await health?.ok(Self.healthComponent, detail: "consuming \(config.stream) as \(config.durable)", progress: false)
        var caughtUp = false
        while !Task.isCancelled {
            let fetchStarted = clock.now()
            let batch = try await NIOThreadPool.singleton.runIfActive { [config] in
                try consumer.fetch(max: config.batch, timeout: Self.fetchWait)
            }
            backoff.reset()
            if !batch.messages.isEmpty {
                try await take(batch, consumer: consumer)
            }
            let left = batch.messages.last?.pending ?? 0
            pending.record(Double(left))
            if left == 0 {
                // Caught up as of the fetch: anything still to come is at most allowed_delay old.
                await reporter.report(.nats, watermark: fetchStarted.subtracting(config.allowedDelay))
                if !caughtUp {
                    caughtUp = true
                    logger.info("NATS source caught up with stream \(config.stream)")
                    await onCaughtUp?()
                }
            }
        }
    }

    /// Decodes a batch, commits its events, then acknowledges it (terminating what it rejected).
    private func take(_ batch: NATSPullConsumer.Batch, consumer: NATSPullConsumer) async throws {
        let plan = NATSBatchPlan(batch.messages)
        for rejection in plan.rejections {
            logger.error("NATS source rejected a message; it stays in the stream and is not delivered again", metadata: [
                "stream_sequence": "\(rejection.streamSequence)", "subject": "\(rejection.subject)", "reason": "\(rejection.reason)",
            ])
        }
        let receivedAt = try await commit(plan.events)
        if let newest = plan.events.lazy.map(\.time).max(), let receivedAt {
            await reporter.journalChanged(MergeState.Arrival(receivedAt: receivedAt, newest: newest))
        }
        try await NIOThreadPool.singleton.runIfActive {
            try consumer.acknowledge(batch, rejecting: plan.rejectedIndices)
        }
        rejected.increment(by: plan.rejections.count)
        await health?.ok(Self.healthComponent, detail: "consuming \(config.stream) as \(config.durable)")
    }

    /// Stores the events, retrying a failed commit with back-off (the batch stays unacknowledged
    /// meanwhile); returns the receipt time it stored them with, nil when there were none.
    private func commit(_ events: [TwilioEvent]) async throws -> Timestamp? {
        guard !events.isEmpty else { return nil }
        var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(30))
        while true {
            let now = clock.now()
            do {
                let result = try await journal.append(events, receivedAt: now)
                stored.increment(by: result.inserted)
                duplicates.increment(by: result.duplicates)
                return now
            } catch {
                try Task.checkCancellation()
                let delay = backoff.nextDelay()
                logger.error("NATS source could not store \(events.count) events; retrying in \(delay)", metadata: ["error": "\(error)"])
                await health?.failing(Self.healthComponent, reason: "cannot store events: \(error)")
                try await Task.sleep(for: delay)
            }
        }
    }
}

/// What to do with one fetched batch: the events to journal and the messages to reject, decided
/// from the messages alone.
struct NATSBatchPlan: Sendable, Equatable {
    /// A message that is not a record this forwarder can take back.
    struct Rejection: Sendable, Equatable {
        var index: Int
        var streamSequence: UInt64
        var subject: String
        var reason: String
    }

    var events: [TwilioEvent] = []
    var rejections: [Rejection] = []

    var rejectedIndices: Set<Int> { Set(rejections.map(\.index)) }

    init(_ messages: [NATSPullConsumer.Message]) {
        events.reserveCapacity(messages.count)
        for (index, message) in messages.enumerated() {
            do {
                events.append(try NATSRecordDecoder.decode(message.data, messageID: message.messageID))
            } catch {
                rejections.append(Rejection(index: index, streamSequence: message.streamSequence, subject: message.subject, reason: error.reason))
            }
        }
    }
}
