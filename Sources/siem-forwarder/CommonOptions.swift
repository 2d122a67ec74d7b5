import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Logging

/// Options every command that reads a pipeline file shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pipeline file (YAML); default: $\(ConfigPath.environmentVariable).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Log line format: json (default) or text.")
    var logFormat: LogFormat?

    /// Loads and validates the pipeline file, printing every problem and exiting 1 if invalid.
    func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineConfig {
        let path = try ConfigPath.required(config, environment: environment)
        do {
            return try PipelineConfigLoader.load(path: path, environment: environment)
        } catch {
            throw fail(error.description, code: ExitStatus.invalidInput)
        }
    }
}

/// Where a command finds its pipeline file: `--config FILE`, else the `SIEM_FORWARDER_CONFIG`
/// environment variable, which the container image sets so that `run`, `health` and the
/// `checkpoint` commands inside it need no arguments.
enum ConfigPath {
    static let environmentVariable = "SIEM_FORWARDER_CONFIG"

    /// `--config` when given and not empty, else the environment variable when set and not empty.
    static func resolve(_ option: String?, environment: [String: String]) -> String? {
        if let option, !option.isEmpty { return option }
        if let value = environment[environmentVariable], !value.isEmpty { return value }
        return nil
    }

    /// As `resolve`, exiting 1 with one sentence when neither names a file.
    static func required(_ option: String?, environment: [String: String]) throws -> String {
        guard let path = resolve(option, environment: environment) else {
            throw fail("No pipeline file: give --config FILE or set \(environmentVariable).", code: ExitStatus.invalidInput)
        }
        return path
    }
}

extension LogFormat: ExpressibleByArgument {}

/// Bootstraps swift-log once per process with the chosen line format and level.
enum LoggingSetup {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()

    static func bootstrap(format: LogFormat, level: String) -> Logger {
        lock.lock()
        if !done {
            done = true
            let handlerFormat: StderrLogHandler.Format = format == .json ? .json : .text
            let logLevel = Logger.Level(rawValue: level) ?? .info
            LoggingSystem.bootstrap { label in StderrLogHandler(label: label, format: handlerFormat, level: logLevel) }
        }
        lock.unlock()
        return Logger(label: "siem-forwarder")
    }
}
