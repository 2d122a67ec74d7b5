import AsyncHTTPClient
import ForwarderCore
import Hummingbird
import Journal
import Logging
import MonitorPoller
import NIOCore
import NIOPosix
import Outputs
import Prometheus
import ServiceLifecycle

/// A running forwarder built from one pipeline file: journal, sources, merger, outputs and the
/// HTTP listener, started and stopped together (in reverse order) by a `ServiceGroup`.
package final class Pipeline: Sendable {
    package let config: PipelineConfig
    package let journal: Journal
    package let merger: Merger
    package let outputs: [OutputService]
    package let health: HealthRegistry
    let group: ServiceGroup
    let httpClient: HTTPClient?
    let lock: StateLock
    let listening: ListeningAddress
    let operationsListening: ListeningAddress
    let logger: Logger

    init(config: PipelineConfig, journal: Journal, merger: Merger, outputs: [OutputService], health: HealthRegistry,
         group: ServiceGroup, httpClient: HTTPClient?, lock: StateLock, listening: ListeningAddress,
         operationsListening: ListeningAddress, logger: Logger) {
        self.config = config
        self.journal = journal
        self.merger = merger
        self.outputs = outputs
        self.health = health
        self.group = group
        self.httpClient = httpClient
        self.lock = lock
        self.listening = listening
        self.operationsListening = operationsListening
        self.logger = logger
    }

    /// Runs until a shutdown signal (or `shutdown()`), then stops every part gracefully and
    /// closes the journal. Rethrows the error of a part that failed.
    package func run() async throws {
        do {
            try await group.run()
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    /// Starts a graceful shutdown: webhooks refused, the poller's page finished, the merger's last
    /// release done, every output flushed and committed.
    package func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Makes every file output open its file again by path (SIGHUP after logrotate).
    package func reopenFiles() async {
        for output in outputs { await output.reopenFiles() }
    }

    /// The port the public (webhook) listener bound (useful with `listen: 127.0.0.1:0`); waits
    /// until it is up. Only a pipeline with an Event Streams source has one.
    package func listeningPort() async -> Int {
        await listening.port()
    }

    /// The port the operations listener bound; waits until it is up.
    package func operationsPort() async -> Int {
        await operationsListening.port()
    }

    private func cleanup() async {
        try? await httpClient?.shutdown()
        let summary = await deliverySummary()
        await journal.close()
        lock.release()
        if summary.isEmpty {
            logger.info("Forwarder stopped; every output delivered everything")
        } else {
            logger.warning("Forwarder stopped; \(summary.joined(separator: "; ")): they continue from there on the next start")
        }
    }

    /// What each output left undelivered (nothing waits for release after a clean stop), one
    /// phrase per output that could not deliver.
    private func deliverySummary() async -> [String] {
        var lines: [String] = []
        if let waiting = try? await journal.stats().pending, waiting > 0 {
            lines.append("\(waiting) events were not released")
        }
        for output in outputs {
            guard let backlog = try? await journal.backlog(of: output.name), backlog.released > backlog.committed else { continue }
            lines.append("output \(output.name) could not deliver \(backlog.released - backlog.committed) events (from sequence \(backlog.committed + 1))")
        }
        return lines
    }
}

/// The HTTP listener's bound port, available once the server runs.
actor ListeningAddress {
    private var value: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ port: Int) {
        value = port
        for waiter in waiters { waiter.resume(returning: port) }
        waiters.removeAll()
    }

    func port() async -> Int {
        if let value { return value }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
