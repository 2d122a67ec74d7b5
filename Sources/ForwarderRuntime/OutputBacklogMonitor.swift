import ForwarderCore
import Journal
import Logging
import Metrics
import ServiceLifecycle

/// Publishes every output's backlog every two seconds, whatever the output is doing (a dead
/// collector's output is asleep in back-off and cannot report its own lag):
/// `forwarder_output_pending_events` and `forwarder_output_lag_seconds` (how long ago the
/// forwarder received the oldest event that output still has to deliver).
final class OutputBacklogMonitor: Service, Sendable {
    private let journal: Journal
    private let outputs: [String]
    private let clock: WallClock
    private let interval: Duration
    private let logger: Logger

    init(journal: Journal, outputs: [String], clock: WallClock, interval: Duration = .seconds(2), logger: Logger) {
        self.journal = journal
        self.outputs = outputs
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        let gauges = outputs.map { name in
            (name,
             Gauge(label: "forwarder_output_pending_events", dimensions: [("output", name)]),
             Gauge(label: "forwarder_output_lag_seconds", dimensions: [("output", name)]))
        }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for (name, pending, lag) in gauges {
                guard let backlog = try? await journal.backlog(of: name) else { continue }
                pending.record(backlog.pending)
                lag.record(backlog.lagSeconds(now: clock.now()))
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
