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
public final class Pipeline: Sendable {
    public let config: PipelineConfig
    public let journal: Journal
    public let merger: Merger
    public let outputs: [OutputService]
    public let health: HealthRegistry
    let group: ServiceGroup
    let httpClient: HTTPClient?
    let lock: StateLock
    let listening: ListeningAddress
    let logger: Logger

    init(config: PipelineConfig, journal: Journal, merger: Merger, outputs: [OutputService], health: HealthRegistry,
         group: ServiceGroup, httpClient: HTTPClient?, lock: StateLock, listening: ListeningAddress, logger: Logger) {
        self.config = config
        self.journal = journal
        self.merger = merger
        self.outputs = outputs
        self.health = health
        self.group = group
        self.httpClient = httpClient
        self.lock = lock
        self.listening = listening
        self.logger = logger
    }

    /// Runs until a shutdown signal (or `shutdown()`), then stops every part gracefully and
    /// closes the journal. Rethrows the error of a part that failed.
    public func run() async throws {
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
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// The port the HTTP listener bound (useful with `listen: 127.0.0.1:0`); waits until it is up.
    public func listeningPort() async -> Int {
        await listening.port()
    }

    private func cleanup() async {
        try? await httpClient?.shutdown()
        await journal.close()
        lock.release()
        logger.info("Forwarder stopped")
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
