import AsyncHTTPClient
import ForwarderCore
import ForwarderRuntime
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import TwilioSimulator

@Suite("Health, readiness and metrics of the running binary", .serialized, .enabled(if: SyslogNG.interopTestsRun))
struct OperationalEndpointsTests {
    static let authToken = "test-token"

    /// One GET against the forwarder: status and body.
    func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: body))
    }

    /// The value of the Prometheus sample `name{output="<output>"}`, if exported.
    func sample(_ metrics: String, _ name: String, output: String) -> Double? {
        let prefix = name + "{output=\"" + output + "\"}"
        for line in metrics.split(separator: "\n") where line.hasPrefix(prefix) {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// POSTs `body` to the webhook, signed as Twilio would; returns the status and body.
    func deliver(_ body: String, to publicURL: String) async throws -> (status: Int, body: String) {
        try await postSignedDelivery(body, to: publicURL, authToken: Self.authToken)
    }

    @Test("the operations listener: /healthz answers, /readyz stays ready while /status and /metrics show a dead collector's backlog and lag until it is back; the public listener has only the webhook; an event redelivered long after its time is released once, flagged late")
    func deadCollectorAndLateEvent() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 21, days: 1, perDay: 400, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let httpPort = try SyslogNG.freePort(datagram: false)
        let operationsPort = try SyslogNG.freePort(datagram: false)
        let collectorPort = try SyslogNG.freePort(datagram: false)
        // The collector is down when the forwarder starts.
        let collector = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/collector", port: collectorPort)
        let path = "/webhooks/event-streams"
        let publicURL = "http://127.0.0.1:\(httpPort)\(path)"
        let yaml = monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, operationsPort: operationsPort)
            .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:\(httpPort)")
            .replacingOccurrences(of: "merge:\n", with: """
                  event_streams:
                    path: \(path)
                    public_url: \(publicURL)
                    auth_token: \(Self.authToken)
                    allowed_delay: 1s
                merge:

                """)
            + """

              - name: collector
                format: rfc5424
                transport: { type: tcp, host: 127.0.0.1, port: \(collectorPort), reconnect: { initial: 100ms, max: 300ms } }
            """
        let configPath = dir.path + "/pipeline.yaml"
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = try startForwarder(config: configPath, log: dir.path + "/forwarder.log")
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(operationsPort)"

        try await eventually("/healthz answers 200") { (try? await get(base + "/healthz"))?.status == 200 }
        // The public listener carries the webhook and nothing else.
        try await eventually("the public listener is up") { (try? await get("http://127.0.0.1:\(httpPort)/healthz")) != nil }
        for path in ["/healthz", "/readyz", "/status", "/metrics"] {
            #expect(try await get("http://127.0.0.1:\(httpPort)" + path).status == 404, "\(path) is not on the public listener")
        }

        // The collector is down: the files keep up, the collector's output is failing with its backlog.
        let truth = await simulator.groundTruthIDs()
        try await eventually("/status reports the dead collector, and only it") {
            let answer = try await get(base + "/status")
            let readiness = try JSONReader.parse(Array(answer.body.utf8))
            return answer.status == 503
                && readiness["ready"] == .bool(false)
                && readiness["components"]?["output:collector"]?["ready"] == .bool(false)
                && readiness["components"]?["output:collector"]?["detail"]?.stringValue?.contains("\(truth.count) pending, lag ") == true
                && readiness["components"]?["output:files"]?["ready"] == .bool(true)
                && readiness["components"]?["source:monitor"]?["ready"] == .bool(true)
        }
        // Input is still taken: a dead collector does not make the forwarder unready.
        let ready = try await get(base + "/readyz")
        #expect(ready.status == 200, "\(ready.body)")
        let readiness = try JSONReader.parse(Array(ready.body.utf8))
        #expect(readiness["components"]?["journal"]?["ready"] == .bool(true))
        #expect(readiness["components"]?["source:event_streams"]?["ready"] == .bool(true))
        #expect(readiness["components"]?["output:collector"] == nil, "outputs are in /status, not /readyz")
        try await eventually("/metrics shows the collector's backlog and lag") {
            let metrics = try await get(base + "/metrics").body
            return (sample(metrics, "siem_forwarder_output_pending_events", output: "collector") ?? 0) >= Double(truth.count)
                && (sample(metrics, "siem_forwarder_output_lag_seconds", output: "collector") ?? 0) > 0
                && sample(metrics, "siem_forwarder_output_pending_events", output: "files") == 0
        }

        // Twilio redelivers an event from long ago: stored once, released late, never dropped.
        let late = try await deliver(IAMExamples.blockedAPIKey, to: publicURL)
        #expect(late.status == 200 && late.body == #"{"accepted":1,"duplicates":0}"#)
        let again = try await deliver(IAMExamples.blockedAPIKey, to: publicURL)
        #expect(again.status == 200 && again.body == #"{"accepted":0,"duplicates":1}"#)

        // The collector comes back: the output catches up and everything is ready again.
        try await collector.start()
        try await eventually("/status is 200 once the collector caught up") {
            let answer = try await get(base + "/status")
            let readiness = try JSONReader.parse(Array(answer.body.utf8))
            return answer.status == 200 && readiness["ready"] == .bool(true)
        }
        try await eventually("the collector's backlog is gone") {
            let metrics = try await get(base + "/metrics").body
            return sample(metrics, "siem_forwarder_output_pending_events", output: "collector") == 0
                && sample(metrics, "siem_forwarder_output_lag_seconds", output: "collector") == 0
        }
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()

        let expected = truth.union(["NO00000000000000000000000001"])
        let records = try ndjsonRecords(in: dir.path + "/out")
        let ids = records.compactMap { $0["event"]?["id"]?.stringValue }
        #expect(ids.count == expected.count && Set(ids) == expected, "every event once in the files")
        let redelivered = try #require(records.first { $0["event"]?["id"]?.stringValue == "NO00000000000000000000000001" })
        #expect(redelivered["forwarder"]?["late"] == .bool(true))
        #expect(redelivered["event"]?["dataset"]?.stringValue == "twilio.event_streams")
        #expect(redelivered["@timestamp"]?.stringValue == "2025-08-24T17:33:52.164Z")

        let messages = try await collector.waitForMessages(covering: expected)
        try await collector.stop()
        let delivered = Set(messages.compactMap { $0.structuredData["twilio@32473"]?["id"] })
        #expect(delivered == expected, "the collector got everything once it was back")
    }
}

/// `/metrics` as a Prometheus server reads it: every family with `# HELP` and `# TYPE`, one prefix,
/// and each one documented in Docs/OPERATIONS.md.
@Suite("Metrics an operator can alert on", .serialized)
struct MetricsExpositionTests {
    /// The families of a text exposition: name → (help, type, sample lines), failing on a line
    /// that is not a comment or a `name{labels} value` sample.
    static func families(_ text: String) throws -> [String: (help: String?, type: String?, samples: Int)] {
        var families: [String: (help: String?, type: String?, samples: Int)] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count >= 4 else { throw TestFailure("a comment without text: \(line)") }
                let name = String(parts[2])
                var family = families[name] ?? (nil, nil, 0)
                if parts[1] == "HELP" { family.help = String(parts[3]) } else { family.type = String(parts[3]) }
                families[name] = family
                continue
            }
            guard let nameEnd = line.firstIndex(where: { $0 == "{" || $0 == " " }), line.split(separator: " ").last.flatMap({ Double($0) }) != nil else {
                throw TestFailure("not a sample: \(line)")
            }
            var name = String(line[..<nameEnd])
            for suffix in ["_bucket", "_sum", "_count"] where families[name] == nil && name.hasSuffix(suffix) {
                name = String(name.dropLast(suffix.count))
            }
            families[name, default: (nil, nil, 0)].samples += 1
        }
        return families
    }

    @Test("every family on the operations listener has # HELP and # TYPE and the siem_forwarder_ prefix, and Docs/OPERATIONS.md documents it")
    func exposition() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 71, days: 1, perDay: 200, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, operationsPort: port)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let process = try startForwarder(config: config, log: dir.path + "/forwarder.log")
        defer { if process.isRunning { process.terminate() } }
        var families: [String: (help: String?, type: String?, samples: Int)] = [:]
        try await eventually(timeout: .seconds(30), "the output has written and the periodic metrics are out") {
            guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5)) else { return false }
            families = try Self.families(String(buffer: try await response.body.collect(upTo: 1 << 22)))
            return families["siem_forwarder_output_events_total"] != nil && families["siem_forwarder_journal_size_bytes"] != nil
                && families["siem_forwarder_monitor_last_success_timestamp_seconds"] != nil
        }
        process.terminate()
        try await waitForExit(process)
        await simulator.stop()

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let operations = try String(contentsOf: root.appendingPathComponent("Docs/OPERATIONS.md"), encoding: .utf8)
        for (name, family) in families {
            #expect(name.hasPrefix("siem_forwarder_"), "\(name) has the prefix")
            #expect(family.help?.isEmpty == false, "\(name) has # HELP")
            #expect(family.type != nil, "\(name) has # TYPE")
            #expect(operations.contains("`\(name)"), "\(name) is documented in OPERATIONS.md")
        }
        #expect(families["siem_forwarder_build_info"] != nil, "the run command publishes the build info")
        for name in MetricCatalog.help.keys {
            #expect(operations.contains("`\(name)"), "\(name) of the catalog is documented in OPERATIONS.md")
        }
    }
}
