import ArgumentParser
import ForwarderCore
import ForwarderRuntime

/// `siem-forwarder checkpoint show|reset|repair`: inspects or moves the poller cursor and output
/// positions, or salvages a damaged journal. The work is `StateCommands`'; this only parses.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Show or move the Monitor poller cursor and each output's position; repair a damaged journal.",
        subcommands: [Show.self, Reset.self, Repair.self]
    )

    /// `checkpoint show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the poller cursor, the merge frontier and each output's position.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.load()
            do {
                guard let lines = try await StateCommands.show(config) else {
                    print("No journal in \(config.state.dir) yet: the forwarder has not run with this state.dir.")
                    return
                }
                for line in lines { print(line) }
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
                if let output {
                    print(try await StateCommands.resetOutput(config, output: output, to: date))
                } else {
                    print(try await StateCommands.resetMonitor(config, to: date))
                }
            } catch {
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
        }
    }

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
            guard StateCommands.hasJournal(config) else {
                throw fail("No journal in \(config.state.dir) to repair.", code: ExitStatus.invalidInput)
            }
            do {
                for line in try await StateCommands.repair(config) { print(line) }
            } catch {
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
        }
    }
}
