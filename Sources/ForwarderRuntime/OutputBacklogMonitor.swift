#if canImport(Glibc)
import Glibc
#endif
import ForwarderCore
import Foundation
import Journal
import Logging
import Metrics
import ServiceLifecycle

/// Publishes what no part reports by itself, every two seconds: every output's backlog (a dead
/// collector's output is asleep in back-off and cannot report its own lag), the journal's size and
/// the free space of `state.dir` and of each file output's directory; and every 30 s one summary
/// line in the log — events in, events out per output, what waits — as Filebeat's metrics line.
final class OutputBacklogMonitor: Service, Sendable {
    private let journal: Journal
    private let outputs: [String]
    /// Each file output's directory.
    private let directories: [(output: String, path: String)]
    private let stateDir: String
    private let clock: WallClock
    private let interval: Duration
    private let summaryEvery: Int
    private let logger: Logger

    init(journal: Journal, outputs: [String], directories: [(output: String, path: String)] = [], stateDir: String = ".",
         clock: WallClock, interval: Duration = .seconds(2), summaryInterval: Duration = .seconds(30), logger: Logger) {
        self.journal = journal
        self.outputs = outputs
        self.directories = directories
        self.stateDir = stateDir
        self.clock = clock
        self.interval = interval
        self.summaryEvery = max(1, Int(summaryInterval / interval))
        self.logger = logger
    }

    func run() async throws {
        let gauges = outputs.map { name in
            (name,
             Gauge(label: "siem_forwarder_output_pending_events", dimensions: [("output", name)]),
             Gauge(label: "siem_forwarder_output_lag_seconds", dimensions: [("output", name)]))
        }
        let journalSize = Gauge(label: "siem_forwarder_journal_size_bytes")
        let stateFree = Gauge(label: "siem_forwarder_state_free_bytes")
        let directoryFree = directories.map { ($0.path, Gauge(label: "siem_forwarder_output_directory_free_bytes", dimensions: [("output", $0.output)])) }
        var previous: (events: Int64, positions: [String: Int64])?
        var ticks = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for (name, pending, lag) in gauges {
                guard let backlog = try? await journal.backlog(of: name) else { continue }
                pending.record(backlog.pending)
                lag.record(backlog.lagSeconds(now: clock.now()))
            }
            journalSize.record(Self.size(journal.path) + Self.size(journal.path + "-wal"))
            if let free = Self.freeBytes(stateDir) { stateFree.record(free) }
            for (path, gauge) in directoryFree {
                if let free = Self.freeBytes(path) { gauge.record(free) }
            }
            if ticks % summaryEvery == 0, let totals = try? await journal.totals(), let positions = try? await journal.outputPositions() {
                let now = (events: totals.events, positions: positions.mapValues(\.sequence))
                if let previous {
                    let out = outputs.map { "\($0) +\((now.positions[$0] ?? 0) - (previous.positions[$0] ?? 0))" }.joined(separator: ", ")
                    let waiting = (try? await journal.stats().pending) ?? 0
                    logger.info("Last \(Int((interval * summaryEvery).secondsDouble)) s: \(now.events - previous.events) events in; out: \(out); \(waiting) waiting for release")
                }
                previous = now
            }
            ticks += 1
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    private static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// Free bytes of the file system holding `path` (or its nearest existing parent).
    static func freeBytes(_ path: String) -> Int64? {
        var candidate = path
        while !candidate.isEmpty, !FileManager.default.fileExists(atPath: candidate) {
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        var st = statvfs()
        guard statvfs(candidate.isEmpty ? "." : candidate, &st) == 0 else { return nil }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }
}
