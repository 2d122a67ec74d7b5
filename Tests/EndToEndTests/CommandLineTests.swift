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

    @Test("validate accepts the example pipelines")
    func validateExamples() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await runForwarder(
            ["validate", "--config", root.appendingPathComponent("pipelines/demo.yaml").path],
            environment: ["SIMULATOR_URL": "http://127.0.0.1:1", "DEMO_OUTPUT_DIR": "/tmp/demo", "FORWARDER_PORT": "8080"]
        )
        #expect(result.status == 0, "\(result.stderr)")
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
    }
}
