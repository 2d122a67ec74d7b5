import Foundation
import Testing
@testable import ForwarderCore

/// Shared fixtures for the configuration tests: a minimal valid pipeline and helpers that return
/// either the config or the problems.
enum ConfigFixture {
    static let accountSid = "AC" + String(repeating: "0123456789abcdef", count: 2)
    static let apiKeySid = "SK" + String(repeating: "fedcba9876543210", count: 2)

    /// Outputs section that is always valid, for tests about sources.
    static let outputs = """
        outputs:
          - name: out
            format: ndjson
            transport: { type: file, path: ./out.ndjson }
        """

    /// Sources section that is always valid, for tests about outputs.
    static let sources = """
        sources:
          event_streams:
            insecure_skip_signature: true
        """

    struct MissingFile: Error, CustomStringConvertible {
        var description: String { "no such test file" }
    }

    /// Certificate files the examples name; TLS outputs read them while loading.
    static let certificates = [
        "/etc/ssl/siem-ca.pem": "CA", "/etc/ssl/qradar-ca.pem": "CA", "/etc/ssl/client.pem": "CERT", "/etc/ssl/client.key": "KEY",
    ]

    static func parse(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:]) throws(ConfigError) -> PipelineConfig {
        try PipelineConfigLoader.parse(yaml: yaml, file: "pipeline.yaml", environment: env) { path in
            guard let contents = files[path] ?? certificates[path] else { throw MissingFile() }
            return contents
        }
    }

    /// The problems of a file that must not load; records an issue when it loads.
    static func problems(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:],
                         sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
        do {
            _ = try parse(yaml, env: env, files: files)
            Issue.record("expected problems, but the file loaded", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.problems
        }
    }

    /// The single problem of a file; records an issue when there is not exactly one.
    static func problem(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:],
                        sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
        let found = problems(yaml, env: env, files: files, sourceLocation: sourceLocation)
        guard found.count == 1 else {
            Issue.record("expected one problem, got \(found.count):\n\(ConfigError(problems: found))",
                         sourceLocation: sourceLocation)
            return nil
        }
        return found[0]
    }

    /// Loads a pipeline made of `sources` (or the default) and one output whose body is `output`.
    static func output(_ output: String, env: [String: String] = [:]) throws(ConfigError) -> OutputConfig {
        let yaml = sources + "\noutputs:\n  - name: x\n" + indent(output, by: 4)
        return try parse(yaml, env: env).outputs[0]
    }

    static func outputProblems(_ output: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
        problems(sources + "\noutputs:\n  - name: x\n" + indent(output, by: 4), sourceLocation: sourceLocation)
    }

    static func indent(_ text: String, by spaces: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : String(repeating: " ", count: spaces) + $0 }
            .joined(separator: "\n")
    }

    /// A directory under the system temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension ConfigProblem {
    /// `line:column key: message` for compact expectations.
    var located: String { "\(line):\(column) \(key)" }
}
