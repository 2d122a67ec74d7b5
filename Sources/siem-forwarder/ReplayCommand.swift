import ArgumentParser
import AsyncHTTPClient
import ForwarderCore
import ForwarderRuntime
import Foundation
import Logging
import Replay

/// `siem-forwarder replay`: re-pulls a historical range of Monitor Events into a replay target,
/// as a resumable job beside (never inside) the live cursor and outputs; `replay list` and
/// `replay cancel ID` manage jobs.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-pull a historical range of Monitor Events into a separate replay target, as a resumable job.",
        subcommands: [Start.self, List.self, Cancel.self],
        defaultSubcommand: Start.self
    )

    /// `replay --config FILE --from DATE --to DATE …`.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Replay a range (the default: `replay --from … --to …`).",
            discussion: """
            DATE is YYYY-MM-DD (whole UTC days; --to includes its day) or an RFC 3339 time (exactly [from, to)). Each file \
            output writes one file per day under --output-dir DIR/<output>/ (or replay-<job id>/ beside its live path), never \
            into the live files; network outputs receive the replay only when named with --to-outputs. Running the same \
            command again continues the same job, also after a crash. A replay runs beside `run` on the same state.dir and \
            never moves its cursor or output positions.
            """
        )

        @OptionGroup var options: ConfigOptions
        @Option(help: "The first day (YYYY-MM-DD) or instant (RFC 3339).") var from: String
        @Option(help: "The last day (YYYY-MM-DD, inclusive) or the instant the range ends before (RFC 3339).") var to: String
        @Option(help: "Where file outputs write, one folder per output (default: replay-<job id>/ beside each live path).") var outputDir: String?
        @Flag(help: "Also re-emit the Event Streams events the local journal still keeps for the range.") var includeJournal = false
        @Option(parsing: .upToNextOption, help: "Replay into these outputs only (network outputs only receive a replay when named here).")
        var toOutputs: [String] = []
        @Option(help: "Days fetched at once (halved on every 429).") var concurrency: Int = ReplaySettings.defaultConcurrency

        func run() async throws {
            let config = try options.load()
            let logger = LoggingSetup.bootstrap(format: options.logFormat ?? config.log.format, level: config.log.level)
            let now = WallClock.system.now()
            let range: ReplayRange
            do {
                range = try ReplayRange.parse(from: from, to: to, now: now)
            } catch {
                throw fail(error.description, code: ExitStatus.invalidInput)
            }
            guard concurrency >= 1 else { throw fail("--concurrency must be at least 1, not \(concurrency).", code: ExitStatus.invalidInput) }
            if range.olderThanRetention(now: now) {
                logger.warning("The range starts more than 30 days ago: Twilio keeps Monitor Events for 30 days (13 months on some editions), so older days may come back empty.")
            }
            let request = ReplayRequest(range: range, outputs: toOutputs, includeJournal: includeJournal, outputDirectory: outputDir)
            let http = ReplayWiring.makeHTTPClient()
            let interactive = isatty(STDERR_FILENO) == 1
            let runner: ReplayRunner
            do {
                runner = try ReplayWiring.runner(config, request: request, concurrency: concurrency, http: http, logger: logger) { day, events, progress in
                    if !interactive {
                        logger.info("Replay \(progress.id): day \(day) written (\(events) events), \(progress.daysDone)/\(progress.daysTotal) days")
                    }
                }
            } catch {
                try? await http.shutdown()
                throw fail("\(error)", code: ExitStatus.invalidInput)
            }
            print("replay \(request.id): \(range) (\(range.days.count) days) from \(config.file)")
            fflush(nil)
            let ticker = interactive ? Task {
                while !Task.isCancelled {
                    let line = await runner.progress().line(now: WallClock.system.now())
                    FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
                    try? await Task.sleep(for: .milliseconds(250))
                }
            } : nil
            let result: Result<ReplayProgress, any Error>
            runner.clearCancellation()
            do {
                result = .success(try await runner.run())
            } catch {
                result = .failure(error)
            }
            ticker?.cancel()
            if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            try? await http.shutdown()
            let progress = await runner.progress()
            switch result {
            case .success:
                print(Self.summary(progress, now: WallClock.system.now()))
            case .failure(let error as ReplayCancelled):
                print(Self.summary(progress, now: WallClock.system.now()))
                throw fail(error.description, code: ExitStatus.runtimeFailure)
            case .failure(let error):
                throw fail("Replay \(request.id) stopped: \(error)", code: ExitStatus.runtimeFailure)
            }
        }

        static func summary(_ progress: ReplayProgress, now: Timestamp) -> String {
            let seconds = now.duration(since: progress.started).secondsDouble
            let files = progress.files.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) files" }.joined(separator: ", ")
            return "replay \(progress.id) \(progress.state.rawValue): \(progress.daysDone)/\(progress.daysTotal) days, \(progress.events) events"
                + (files.isEmpty ? "" : " (\(files))")
                + ", \(progress.requests) requests (\(progress.throttled) answered 429), \(String(format: "%.1f", seconds)) s"
                + (seconds > 0 ? ", \(Int(Double(progress.events) / seconds)) events/s" : "")
        }
    }

    /// `replay list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the replay jobs of this state.dir with their progress.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.load()
            let jobs = await ReplayJobs.list(stateDir: config.state.dir)
            guard !jobs.isEmpty else {
                print("No replay jobs in \(config.state.dir).")
                return
            }
            for line in ReplayJobs.lines(jobs) { print(line) }
        }
    }

    /// `replay cancel ID`.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a replay job; running the same replay again continues it.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The job id, as `replay list` shows it.") var id: String

        func run() async throws {
            let config = try options.load()
            guard ReplayJobs.cancel(stateDir: config.state.dir, id: id) else {
                throw fail("No replay job \(id) in \(config.state.dir) (see `replay list`).", code: ExitStatus.invalidInput)
            }
            print("replay \(id): cancelled (a running replay stops after its current page).")
        }
    }
}
