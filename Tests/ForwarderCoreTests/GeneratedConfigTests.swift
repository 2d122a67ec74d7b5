import Foundation
import Testing
@testable import ForwarderCore

/// Malformed pipeline files at volume: the example pipelines of `pipelines/` mutated by
/// `PipelineMutator`, each loaded as `validate` and `run` load them.
@Suite("Generated malformed pipelines")
struct GeneratedConfigTests {
    static let filesPerPipeline = 300

    /// `GENERATED_CONFIGS_SEED` repeats a run; without it the seed is fixed.
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["GENERATED_CONFIGS_SEED"].flatMap { UInt64($0) } ?? 20_261_121
    }

    static let pipelinesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines")

    /// What the example pipelines' `${…}` references resolve to, as in the validate end-to-end test.
    static let environment = [
        "SIMULATOR_URL": "http://127.0.0.1:1", "DEMO_OUTPUT_DIR": "/tmp/demo", "FORWARDER_PORT": "8080",
        "TWILIO_ACCOUNT_SID": ConfigFixture.accountSid, "TWILIO_API_KEY": ConfigFixture.apiKeySid,
        "TWILIO_API_SECRET_FILE": "/run/secrets/secret", "TWILIO_AUTH_TOKEN_FILE": "/run/secrets/token",
        "PUBLIC_WEBHOOK_URL": "https://forwarder.example.com/webhooks/event-streams",
        "SIEM_HOST": "siem.example.com", "QRADAR_HOST": "qradar.example.com", "NOC_SYSLOG_HOST": "noc.example.com",
        "SYSLOG_HOST": "syslog.example.com", "SYSLOG_RELAY_HOST": "relay.example.com",
        "QRADAR_CA_FILE": "/etc/ssl/ca.pem", "SIEM_CA_FILE": "/etc/ssl/ca.pem",
        "STATE_DIR": "/var/lib/forwarder", "OUTPUT_DIR": "/var/log/twilio",
    ]

    /// Every file the pipelines name exists and holds one line, except the ones a mutation names
    /// missing, which are read from the disk, where they do not exist.
    static func readFile(_ path: String) throws -> String {
        guard !path.contains("missing") else { return try String(contentsOfFile: path, encoding: .utf8) }
        return "secret\n"
    }

    static func load(_ text: String, environment: [String: String]) -> [ConfigProblem] {
        do {
            _ = try PipelineConfigLoader.parse(yaml: text, file: "pipeline.yaml", environment: environment, readFile: readFile)
            return []
        } catch {
            return error.problems
        }
    }

    /// What is wrong with how `problem` is reported, or nil when it is one located sentence.
    static func formatProblem(_ problem: ConfigProblem, lineCount: Int) -> String? {
        let message = problem.message
        if problem.line < 1 || problem.column < 1 { return "no line and column" }
        if problem.line > lineCount + 1 { return "line \(problem.line) is past the end of the file (\(lineCount) lines)" }
        if message.isEmpty { return "empty message" }
        if message.contains(where: { $0.isNewline }) { return "message on more than one line" }
        if message.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "control character in the message" }
        if message.hasSuffix(".") { return "message ends in a period, unlike every other" }
        if message.first?.isUppercase == true, !message.hasPrefix("YAML") { return "message starts a new sentence" }
        let expected = "pipeline.yaml:\(problem.line):\(problem.column): " + (problem.key.isEmpty ? "" : problem.key + ": ") + message
        if problem.description != expected { return "rendered as \(problem.description)" }
        return nil
    }

    @Test("every example pipeline loads as it is")
    func examplesLoad() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.pipelinesDirectory.path).filter { $0.hasSuffix(".yaml") }
        #expect(names.count >= 5)
        for name in names.sorted() {
            let text = try String(contentsOf: Self.pipelinesDirectory.appendingPathComponent(name), encoding: .utf8)
            #expect(Self.load(text, environment: Self.environment).isEmpty, "\(name)")
        }
    }

    @Test("1,500 mutated pipelines: each loads or reports problems, every problem one sentence at a line and column",
          .timeLimit(.minutes(2)))
    func mutatedPipelines() throws {
        let seed = Self.seed
        print("GeneratedConfigTests: seed \(seed); GENERATED_CONFIGS_SEED=\(seed) repeats this run")
        var mutator = PipelineMutator(seed: seed)
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.pipelinesDirectory.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        var total = 0
        var invalid = 0
        var problemsSeen = 0
        var slowest = Duration.zero
        var wrong: [String] = []
        let started = ContinuousClock.now
        for name in names {
            let original = try String(contentsOf: Self.pipelinesDirectory.appendingPathComponent(name), encoding: .utf8)
            for n in 0..<Self.filesPerPipeline {
                let mutant = mutator.mutate(original, environment: Self.environment)
                let loadStarted = ContinuousClock.now
                let problems = Self.load(mutant.text, environment: mutant.environment)
                slowest = max(slowest, ContinuousClock.now - loadStarted)
                total += 1
                if !problems.isEmpty { invalid += 1 }
                problemsSeen += problems.count
                let lineCount = mutant.text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
                for problem in problems {
                    if let fault = Self.formatProblem(problem, lineCount: lineCount) {
                        wrong.append("seed \(seed), \(name) #\(n) \(mutant.mutations): \(fault): \(problem)")
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        print("GeneratedConfigTests: \(total) files, \(invalid) invalid with \(problemsSeen) problems, \(total - invalid) "
              + "still valid; \(elapsed) in all, slowest file \(slowest)")
        #expect(total >= 1_000)
        #expect(wrong.isEmpty, "\(wrong.count) problems are not one located sentence")
        for fault in wrong.prefix(20) { Issue.record(Comment(rawValue: fault)) }
        #expect(Double(invalid) >= 0.8 * Double(total), "most mutations break the file: \(invalid) of \(total)")
        #expect(slowest < .seconds(2), "no file takes long to load")
    }
}
