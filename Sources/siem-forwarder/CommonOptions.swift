import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Logging

/// Options every command that reads a pipeline file shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The pipeline file (YAML).")
    var config: String

    @Option(name: .long, help: "Log line format: json (default) or text.")
    var logFormat: LogFormat?

    /// Loads and validates the pipeline file, printing every problem and exiting 1 if invalid.
    func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineConfig {
        do {
            return try PipelineConfigLoader.load(path: config, environment: environment)
        } catch {
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
