import ForwarderCore
import Journal
import MonitorPoller
import Replay

/// What `checkpoint show|reset|repair` do to a pipeline's state directory, wired here (the
/// composition root) so the command line only parses arguments and prints lines.
package enum StateCommands {
    /// Whether the forwarder has written a journal in this pipeline's `state.dir`.
    package static func hasJournal(_ config: PipelineConfig) -> Bool {
        Journal.exists(inDirectory: config.state.dir)
    }

    /// `checkpoint show`: the journal, the Monitor cursor, the merge and each output's position,
    /// as lines; nil when the forwarder has not run with this `state.dir` yet. Reads beside a
    /// running forwarder.
    package static func show(_ config: PipelineConfig, now: Timestamp = WallClock.system.now()) async throws -> [String]? {
        guard hasJournal(config) else { return nil }
        let journal = try Journal(directory: config.state.dir)
        let cursor: MonitorCursor?
        let stats: JournalStats
        let positions: [String: OutputPosition]
        let waiting: (oldestReceived: Timestamp, newest: Timestamp)?
        do {
            cursor = try await journal.checkpoint(of: .monitor).flatMap { MonitorCursor(encoded: $0) }
            stats = try await journal.stats()
            positions = try await journal.outputPositions()
            waiting = try await journal.pendingSummary()
        } catch {
            await journal.close()
            throw error
        }
        await journal.close()
        var lines = ["journal: \(journal.path)"]
        let age = waiting.map { ", the oldest arrived \(Int(now.duration(since: $0.oldestReceived).secondsDouble)) s ago" } ?? ""
        lines.append("  events stored: \(stats.events), waiting for release: \(stats.pending)\(age), last release sequence: \(stats.lastSequence)")
        lines.append("  merge frontier: \(stats.frontier == .distantPast ? "none yet" : stats.frontier.rfc3339)")
        if config.sources.monitor != nil {
            lines.append("monitor cursor: \(cursor.map { "\($0)" } ?? "none (first run backfills from start_from/backfill)")")
        }
        for output in config.outputs {
            let position = positions[output.name]
            let behind = stats.lastSequence - (position?.sequence ?? 0)
            lines.append("output \(output.name): sequence \(position?.sequence ?? 0) (\(behind) released events not yet delivered)"
                + (position.map { $0.byteOffset > 0 ? ", byte offset \($0.byteOffset)" : "" } ?? ""))
        }
        let jobs = await ReplayJobs.list(stateDir: config.state.dir)
        if !jobs.isEmpty {
            lines.append("replay jobs (apart from the live cursor and positions):")
            lines += ReplayJobs.lines(jobs).map { "  " + $0 }
        }
        return lines
    }

    /// `checkpoint reset --to DATE`: the Monitor poller re-reads from the start of DATE's UTC day
    /// on its next start. Needs the forwarder stopped (it takes the state lock).
    package static func resetMonitor(_ config: PipelineConfig, to date: Timestamp, now: Timestamp = WallClock.system.now()) async throws -> String {
        try await withStoppedJournal(config) { journal in
            let cursor = MonitorCursor(phase: .backfill(date.utcDate))
            try await journal.saveCheckpoint(SourceCheckpoint(source: .monitor, state: cursor.encoded()), at: now)
            return "monitor cursor: \(cursor)."
        }
    }

    /// `checkpoint reset --to DATE --output NAME`: that output re-delivers every stored event
    /// released at or after DATE.
    package static func resetOutput(_ config: PipelineConfig, output: String, to date: Timestamp, now: Timestamp = WallClock.system.now()) async throws -> String {
        try await withStoppedJournal(config) { journal in
            let sequence = try await journal.lastSequence(before: date)
            let old = try await journal.outputPosition(output)
            try await journal.resetOutput(output, to: OutputPosition(sequence: sequence, byteOffset: old?.byteOffset ?? 0, fileCounter: old?.fileCounter ?? 0), at: now)
            return "output \(output): position moved to sequence \(sequence) (re-delivers events released at or after \(date.rfc3339))."
        }
    }

    /// `checkpoint repair`: salvages a damaged journal and checks the result; the report's lines
    /// say what was lost and what that means for the outputs.
    package static func repair(_ config: PipelineConfig, now: Timestamp = WallClock.system.now()) async throws -> [String] {
        let lock = try StateLock(directory: config.state.dir)
        defer { lock.release() }
        let report = try JournalRepair.repair(directory: config.state.dir, outputs: config.outputs.map(\.name), now: now)
        let journal = try Journal(directory: config.state.dir)
        do {
            try await journal.verify()
        } catch {
            await journal.close()
            throw error
        }
        await journal.close()
        return ["repaired \(StateDirectory.journalPath(in: config.state.dir)):"] + report.lines.map { "  " + $0 }
            + ["the repaired journal passes SQLite's check; start the forwarder again."]
    }

    /// Runs `body` on the journal with the state lock held (no forwarder running), then closes it.
    private static func withStoppedJournal<T>(_ config: PipelineConfig, _ body: (Journal) async throws -> T) async throws -> T {
        let lock = try StateLock(directory: config.state.dir)
        defer { lock.release() }
        let journal = try Journal(directory: config.state.dir)
        do {
            let result = try await body(journal)
            await journal.close()
            return result
        } catch {
            await journal.close()
            throw error
        }
    }
}
