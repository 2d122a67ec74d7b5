import AsyncHTTPClient
import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import TwilioSimulator

/// The Python of the CI tools' virtual environment when it has `prometheus_client`, the parser
/// Prometheus' own Python client uses: `.ci/run` installs it into `$CI_TOOLS_DIR` (default
/// `~/.cache/twilio-siem-forwarder/ci-tools`).
enum PrometheusTextParser {
    static var tools: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        return environment["CI_TOOLS_DIR"] ?? (cache + "/twilio-siem-forwarder/ci-tools")
    }

    static var python: String { tools + "/bin/python3" }

    /// Whether the environment has the parser (`lib/python3.*/site-packages/prometheus_client`);
    /// under CI (`CI` set) the suite runs anyway, so a missing parser fails it instead of
    /// skipping it silently.
    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        guard FileManager.default.isExecutableFile(atPath: python),
              let versions = try? FileManager.default.contentsOfDirectory(atPath: tools + "/lib") else { return false }
        return versions.contains { FileManager.default.fileExists(atPath: "\(tools)/lib/\($0)/site-packages/prometheus_client/parser.py") }
    }

    /// Parses an exposition with `prometheus_client.parser.text_string_to_metric_families` and
    /// returns each family as `{"name", "type", "help", "samples": [sample names]}`; a body the
    /// parser rejects fails with its error.
    static func families(_ body: String) async throws -> [JSONValue] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            families = [{"name": f.name, "type": f.type, "help": f.documentation, "samples": [s.name for s in f.samples]}
                        for f in text_string_to_metric_families(sys.stdin.read())]
            print(json.dumps(families))
            """
        let file = NSTemporaryDirectory() + "metrics-" + UUID().uuidString + ".txt"
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try await runProgram("/bin/sh", ["-c", "exec \"$0\" -c \"$1\" < \"$2\"", python, script, file])
        guard result.status == 0 else { throw TestFailure("prometheus_client refused the exposition: \(result.stderr)") }
        guard case .array(let families) = try JSONReader.parse(Array(result.stdout.utf8)) else {
            throw TestFailure("the parser printed no list: \(result.stdout)")
        }
        return families
    }
}

@Suite("/metrics read by a real Prometheus text parser", .serialized,
       .enabled(if: PrometheusTextParser.available,
                "no Python with prometheus_client at $CI_TOOLS_DIR (default ~/.cache/twilio-siem-forwarder/ci-tools); .ci/run installs it"))
struct PrometheusParserTests {
    @Test("prometheus_client parses the operations listener's /metrics: every family is siem_forwarder_ with a # HELP, the documented families are there, and the public listener answers 404 for /metrics and /readyz")
    func exposition() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 11, days: 1, perDay: 200, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let operationsPort = try SyslogNG.freePort(datagram: false)
        let publicPort = try SyslogNG.freePort(datagram: false)
        let configPath = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, operationsPort: operationsPort)
            .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:\(publicPort)")
            .replacingOccurrences(of: "merge:\n", with: """
                  event_streams:
                    public_url: http://127.0.0.1:\(publicPort)/webhooks/event-streams
                    auth_token: test-token
                merge:

                """)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = try startForwarder(config: configPath, log: dir.path + "/forwarder.log")
        defer { if process.isRunning { process.terminate() } }

        func get(_ url: String) async throws -> (status: Int, body: String) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
        }
        let metricsURL = "http://127.0.0.1:\(operationsPort)/metrics"
        // Wait until the output has written events, so its families have samples.
        let written = "siem_forwarder_output_events_total{output=\"files\"} "
        let body = try await eventuallyValue("/metrics shows events written by the output") { () -> String? in
            guard let answer = try? await get(metricsURL), answer.status == 200,
                  let line = answer.body.split(separator: "\n").first(where: { $0.hasPrefix(written) }),
                  let count = Double(line.dropFirst(written.count)), count > 0 else { return nil }
            return answer.body
        }

        let families = try await PrometheusTextParser.families(body)
        #expect(families.count >= 15, "\(families.count) families")
        var samples: Set<String> = []
        for family in families {
            let name = family["name"]?.stringValue ?? "?"
            #expect(name.hasPrefix("siem_forwarder_"), "\(name) lacks the siem_forwarder_ prefix")
            #expect(family["help"]?.stringValue?.isEmpty == false, "\(name) has no # HELP")
            if case .array(let names)? = family["samples"] { samples.formUnion(names.compactMap(\.stringValue)) }
        }
        for documented in ["siem_forwarder_build_info", "siem_forwarder_monitor_requests_total",
                           "siem_forwarder_monitor_last_success_timestamp_seconds", "siem_forwarder_merge_released_total",
                           "siem_forwarder_output_events_total", "siem_forwarder_output_lag_seconds",
                           "siem_forwarder_journal_size_bytes", "siem_forwarder_state_free_bytes",
                           "siem_forwarder_output_directory_free_bytes"] {
            #expect(samples.contains(documented), "\(documented) is not exposed")
        }

        for path in ["/metrics", "/readyz"] {
            #expect(try await get("http://127.0.0.1:\(publicPort)" + path).status == 404, "\(path) is not on the public listener")
        }
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()
    }
}
