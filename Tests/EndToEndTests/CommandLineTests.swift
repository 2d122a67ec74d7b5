import ForwarderCore
import TestSupport
import Foundation
import Testing

@Suite("The command line")
struct CommandLineTests {
    @Test("validate reports a wrong type, an unknown key and a missing required key, each with line and column, and exits 1")
    func validateReportsEverything() async throws {
        let dir = TestDirectory()
        let path = dir.path + "/bad.yaml"
        try """
        sources:
          monitor:
            password: secret
            page_size: abc
            pol_interval: 5s
        outputs:
          - name: files
            format: ndjson
            transport: { type: file, path: "/tmp/x-{seq}.ndjson.gz" }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["validate", "--config", path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(path):4:16:") && $0.contains("page_size") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("\(path):5:5:") && $0.contains("pol_interval") }, "\(result.stderr)")
        #expect(lines.contains { $0.contains("account_sid") && $0.contains("\(path):3:") }, "\(result.stderr)")
    }

    @Test("validate accepts every example pipeline, the demo's without the variables the demo command sets", arguments: try FileManager.default.contentsOfDirectory(
        atPath: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines").path).filter { $0.hasSuffix(".yaml") }.sorted())
    func validateExamples(name: String) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = TestDirectory()
        for file in ["secret", "token"] {
            try "x\n".write(toFile: dir.path + "/" + file, atomically: true, encoding: .utf8)
        }
        // validate parses TLS files as PEM, so the CA file is a real one.
        let ca = try TestCA(directory: dir.path + "/ca")
        // The deployment's environment only: the demo pipeline's own variables have defaults.
        let environment = [
            "TWILIO_ACCOUNT_SID": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "TWILIO_API_KEY": "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "TWILIO_API_SECRET_FILE": dir.path + "/secret", "TWILIO_AUTH_TOKEN_FILE": dir.path + "/token",
            "PUBLIC_WEBHOOK_URL": "https://forwarder.example.com/webhooks/event-streams",
            "SIEM_HOST": "siem.example.com", "QRADAR_HOST": "qradar.example.com", "NOC_SYSLOG_HOST": "noc.example.com",
            "SYSLOG_HOST": "syslog.example.com", "SYSLOG_RELAY_HOST": "relay.example.com",
            "QRADAR_CA_FILE": ca.caFile, "SIEM_CA_FILE": ca.caFile,
            "STATE_DIR": dir.path + "/state", "OUTPUT_DIR": dir.path + "/out",
        ]
        let result = try await runForwarder(
            ["validate", "--config", root.appendingPathComponent("pipelines/" + name).path], environment: environment)
        #expect(result.status == 0, "\(name): \(result.stderr)")
    }

    @Test("the built-in demo pipeline is pipelines/demo.yaml")
    func demoCopyInSync() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("pipelines/demo.yaml"), encoding: .utf8)
        let source = try String(contentsOf: root.appendingPathComponent("Sources/siem-forwarder/DemoPipeline.swift"), encoding: .utf8)
        #expect(source.contains(file))
    }

    @Test("demo prints where it wrote its files, and those files hold events")
    func demo() async throws {
        let dir = TestDirectory()
        let result = try await runForwarder(["demo", "--duration", "12", "--output-dir", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(dir.path))
        let records = try ndjsonRecords(in: dir.path + "/ndjson")
        let ids = records.compactMap { $0["event"]?["id"]?.stringValue }
        #expect(ids.count >= 700, "history events delivered: \(ids.count)")
        #expect(Set(ids).count == ids.count)
        let datasets = Set(records.compactMap { $0["event"]?["dataset"]?.stringValue })
        #expect(datasets == ["twilio.monitor", "twilio.event_streams"], "both sources merged in one stream")

        // The same events in the other two formats: RFC 5424 (SD id) and CEF (externalId).
        func lines(_ sub: String) throws -> [String] {
            let folder = dir.path + "/" + sub
            return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().flatMap { name in
                try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
            }
        }
        let syslogIDs = try lines("rfc5424").compactMap { line -> String? in
            guard let start = line.range(of: "[twilio@32473 id=\"") else { return nil }
            return String(line[start.upperBound...].prefix { $0 != "\"" })
        }
        #expect(syslogIDs.count == ids.count && Set(syslogIDs) == Set(ids))
        let cefIDs = try lines("cef").compactMap { try parseCEF($0).extensions["externalId"] }
        #expect(cefIDs.count == ids.count && Set(cefIDs) == Set(ids))
        #expect(result.stdout.contains("One rfc5424 record") && result.stdout.contains("One cef record"))
        // What it says it wrote is what it wrote.
        let summary = try #require(result.stdout.split(separator: "\n").first { $0.contains("events for every output") })
        #expect(summary.contains(": \(ids.count) events for every output"), "\(summary) vs \(ids.count) in the files")
        for output in ["splunk", "syslog-archive", "arcsight"] {
            #expect(result.stdout.contains("  \(output) (") && result.stdout.contains("\(ids.count) events, all of them"), "\(result.stdout)")
        }
    }
}
