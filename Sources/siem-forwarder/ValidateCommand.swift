import ArgumentParser
import ForwarderCore
import Foundation

/// `siem-forwarder validate --config FILE [--connect]`: prints every problem with its line and
/// column, then what it finds on this machine (TLS files that are not PEM, output directories it
/// cannot write); with `--connect` it also tries the Monitor credentials and every TCP/TLS collector.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file; print every problem with its line and column (exit 1 when invalid).",
        discussion: """
        Beyond the file itself: TLS files must be PEM that loads, and state.dir and each file output's directory must \
        exist or be creatable, and be writable, for this user. --connect also asks the Monitor API for one event with \
        the pipeline's credentials and connects to every tcp and tls output (handshake included), one line each.
        """
    )

    @Option(name: .long, help: "The pipeline file (YAML); default: the path in SIEM_FORWARDER_CONFIG.")
    var config: String?

    @Flag(name: .long, help: "Also try the Monitor credentials and connect to every TCP/TLS collector.")
    var connect = false

    func run() async throws {
        let config = try ConfigOptions.requiredPath(config, environment: ProcessInfo.processInfo.environment)
        let loaded: PipelineConfig
        do {
            loaded = try PipelineConfigLoader.load(path: config)
        } catch {
            throw fail(error.description, code: ExitStatus.invalidInput)
        }
        let problems = PipelinePreflight.problems(loaded, file: config)
        guard problems.isEmpty else {
            throw fail(problems.map(\.description).joined(separator: "\n"), code: ExitStatus.invalidInput)
        }
        let sources = [
            loaded.sources.monitor.map { _ in "monitor" }, loaded.sources.eventStreams.map { _ in "event_streams" },
            loaded.sources.nats.map { "nats (stream \($0.stream) as \($0.durable))" },
        ].compactMap { $0 }
        print("\(config) is valid: sources \(sources.joined(separator: ", ")); outputs \(loaded.outputs.map { "\($0.name) (\($0.format.name) over \($0.transport.typeName))" }.joined(separator: ", ")).")
        guard connect else { return }
        let results = await ConnectChecks.run(loaded)
        for result in results {
            if result.passed {
                print(result.line)
            } else {
                FileHandle.standardError.write(Data((result.line + "\n").utf8))
            }
        }
        let failed = results.filter { !$0.passed }.count
        if failed > 0 {
            throw fail("\(failed) of \(results.count) connection checks failed.", code: ExitStatus.invalidInput)
        }
    }
}
