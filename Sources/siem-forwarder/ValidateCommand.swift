import ArgumentParser
import ForwarderCore
import Foundation

/// `siem-forwarder validate --config FILE`: prints every problem with its line and column.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file; print every problem with its line and column (exit 1 when invalid)."
    )

    @Option(name: .long, help: "The pipeline file (YAML); default: the path in SIEM_FORWARDER_CONFIG.")
    var config: String?

    func run() async throws {
        let config = try ConfigOptions.requiredPath(config, environment: ProcessInfo.processInfo.environment)
        do {
            let loaded = try PipelineConfigLoader.load(path: config)
            let sources = [loaded.sources.monitor.map { _ in "monitor" }, loaded.sources.eventStreams.map { _ in "event_streams" }].compactMap { $0 }
            print("\(config) is valid: sources \(sources.joined(separator: ", ")); outputs \(loaded.outputs.map { "\($0.name) (\($0.format.name) over \($0.transport.typeName))" }.joined(separator: ", ")).")
        } catch {
            throw fail(error.description, code: ExitStatus.invalidInput)
        }
    }
}
