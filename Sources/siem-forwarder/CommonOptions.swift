import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Logging

/// Options every command that reads a pipeline file shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The pipeline file (YAML); default: the path in SIEM_FORWARDER_CONFIG.")
    var config: String?

    @Option(name: .long, help: "Log line format: json (default) or text.")
    var logFormat: LogFormat?

    /// The pipeline file: `--config`, else `SIEM_FORWARDER_CONFIG` (how the container image passes it).
    func path(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try Self.requiredPath(config, environment: environment)
    }

    /// The same rule for a command with its own optional `--config` (`health`, `validate`): nil
    /// when neither names a file.
    static func path(_ config: String?, environment: [String: String]) -> String? {
        if let config { return config }
        if let path = environment["SIEM_FORWARDER_CONFIG"], !path.isEmpty { return path }
        return nil
    }

    /// As `path(_:environment:)`, exiting 1 with one sentence when neither names a file.
    static func requiredPath(_ config: String?, environment: [String: String]) throws -> String {
        if let path = path(config, environment: environment) { return path }
        throw fail("Give the pipeline file with --config FILE (or the SIEM_FORWARDER_CONFIG environment variable).", code: ExitStatus.invalidInput)
    }

    /// Loads and validates the pipeline file, printing every problem and exiting 1 if invalid
    /// (`quietly`: throwing the problems instead, for a reload that must not exit).
    func load(environment: [String: String] = ProcessInfo.processInfo.environment, quietly: Bool = false) throws -> PipelineConfig {
        let path = try path(environment: environment)
        do {
            return try PipelineConfigLoader.load(path: path, environment: environment)
        } catch {
            if quietly { throw error }
            throw fail(error.description, code: ExitStatus.invalidInput)
        }
    }
}

extension LogFormat: ExpressibleByArgument {}

/// Bootstraps swift-log once per process with the chosen line format and level.
enum LoggingSetup {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()

    static func bootstrap(format: LogFormat, level: Logger.Level) -> Logger {
        lock.lock()
        if !done {
            done = true
            let handlerFormat: StderrLogHandler.Format = format == .json ? .json : .text
            LoggingSystem.bootstrap { label in StderrLogHandler(label: label, format: handlerFormat, level: level) }
        }
        lock.unlock()
        return Logger(label: "siem-forwarder")
    }
}
