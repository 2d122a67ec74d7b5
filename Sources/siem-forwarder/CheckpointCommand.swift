import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Journal
import MonitorPoller

/// `siem-forwarder checkpoint show|reset|repair`: inspects or moves the poller cursor and output
/// positions, or salvages a damaged journal.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Show or move the Monitor poller cursor and each output's position; repair a damaged journal.",
        subcommands: [Show.self, Reset.self, Repair.self]
    )

    /// `checkpoint repair`.
    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Salvage a damaged journal: copy every readable event, cursor and position into a new one.",
            discussion: """
            Run it when `run` refuses to start because the journal is damaged. The damaged file is kept beside the new \
            one as journal.sqlite.damaged-<time>, unchanged. Rows on unreadable pages are lost; the summary says which \
            tables lost rows and what that means for the outputs. The forwarder must be stopped.
            """
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.load()
            guard Journal.exists(inDirectory: config.state.dir) else {
                throw fail("No journal in \(config.state.dir) to repair.", code: ExitStatus.invalidInput)
            }
            do {
                let lock = try StateLock(directory: config.state.dir)
                defer { lock.release() }
                let report = try JournalRepair.repair(directory: config.state.dir, outputs: config.outputs.map(\.name), now: WallClock.system.now())
                print("repaired \(StateDirectory.journalPath(in: config.state.dir)):")
                for line in report.lines { print("  " + line) }
                let journal = try Journal(directory: config.state.dir)
                do {
                    try await journal.verify()
                } catch {
                    await journal.close()
                    throw error
                }
                await journal.close()
                print("the repaired journal passes SQLite's check; start the forwarder again.")
            } catch {
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
        }
    }

    /// `checkpoint show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the poller cursor, the merge frontier and each output's position.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.load()
            guard Journal.exists(inDirectory: config.state.dir) else {
                print("No journal in \(config.state.dir) yet: the forwarder has not run with this state.dir.")
                return
            }
            do {
                let journal = try Journal(directory: config.state.dir)
                let cursor = try await journal.checkpoint(of: .monitor).flatMap { MonitorCursor(encoded: $0) }
                let stats = try await journal.stats()
                let positions = try await journal.outputPositions()
                let waiting = try await journal.pendingSummary()
                await journal.close()
                print("journal: \(journal.path)")
                let age = waiting.map { ", the oldest arrived \(Int(WallClock.system.now().duration(since: $0.oldestReceived).secondsDouble)) s ago" } ?? ""
                print("  events stored: \(stats.events), waiting for release: \(stats.pending)\(age), last release sequence: \(stats.lastSequence)")
                print("  merge frontier: \(stats.frontier == .distantPast ? "none yet" : stats.frontier.rfc3339)")
                if config.sources.monitor != nil {
                    print("monitor cursor: \(cursor.map { "\($0)" } ?? "none (first run backfills from start_from/backfill)")")
                }
                for output in config.outputs {
                    let position = positions[output.name]
                    let behind = stats.lastSequence - (position?.sequence ?? 0)
                    print("output \(output.name): sequence \(position?.sequence ?? 0) (\(behind) released events not yet delivered)"
                        + (position.map { $0.byteOffset > 0 ? ", byte offset \($0.byteOffset)" : "" } ?? ""))
                }
            } catch {
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
        }
    }

    /// `checkpoint reset --to DATE [--output NAME]`.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the Monitor cursor back (or forward) to a date; with --output, move that output's position instead.",
            discussion: """
            Without --output the Monitor poller re-reads from the start of DATE's UTC day on its next start; events the \
            journal still holds are not forwarded twice. With --output NAME that output re-delivers every stored event \
            released at or after DATE. The forwarder must be stopped.
            """
        )

        @OptionGroup var options: ConfigOptions

        @Option(name: .long, help: "A date (YYYY-MM-DD) or RFC 3339 timestamp.")
        var to: String

        @Option(name: .long, help: "Move this output's position instead of the Monitor cursor.")
        var output: String?

        func run() async throws {
            let config = try options.load()
            guard let date = Timestamp(iso8601: to) else {
                throw fail("--to \(to) is not a date (YYYY-MM-DD) or an RFC 3339 timestamp.", code: ExitStatus.invalidInput)
            }
            if let output, !config.outputs.contains(where: { $0.name == output }) {
                throw fail("--output \(output) is not an output of \(config.file) (outputs: \(config.outputs.map(\.name).joined(separator: ", "))).", code: ExitStatus.invalidInput)
            }
            do {
                let lock = try StateLock(directory: config.state.dir)
                let journal = try Journal(directory: config.state.dir)
                if let output {
                    let sequence = try await journal.lastSequence(before: date)
                    let old = try await journal.outputPosition(output)
                    try await journal.resetOutput(output, to: OutputPosition(sequence: sequence, byteOffset: old?.byteOffset ?? 0, fileCounter: old?.fileCounter ?? 0), at: WallClock.system.now())
                    print("output \(output): position moved to sequence \(sequence) (re-delivers events released at or after \(date.rfc3339)).")
                } else {
                    let cursor = MonitorCursor(phase: .backfill(date.utcDate))
                    try await journal.saveCheckpoint(SourceCheckpoint(source: .monitor, state: cursor.encoded()), at: WallClock.system.now())
                    print("monitor cursor: \(cursor).")
                }
                await journal.close()
                withExtendedLifetime(lock) {}
            } catch {
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
        }
    }
}
