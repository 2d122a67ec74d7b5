import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TestSupport
import Testing
import TwilioSimulator

@Suite("siem-forwarder health, the container HEALTHCHECK", .serialized)
struct HealthCommandTests {
    @Test("health exits 0 against a running forwarder's /readyz (/healthz with --live), found from --url, --config or SIEM_FORWARDER_CONFIG (which run also reads), and 1 with 'connection refused' once it stopped")
    func readyForwarderThenClosedPort() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 5, days: 1, perDay: 50, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let operationsPort = try SyslogNG.freePort(datagram: false)
        let configPath = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, operationsPort: operationsPort)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["SIEM_FORWARDER_CONFIG"] = configPath

        // `run` without --config: the pipeline file comes from SIEM_FORWARDER_CONFIG, as in the image.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try forwarderBinary())
        process.arguments = ["run", "--log-format", "text"]
        process.environment = environment
        _ = FileManager.default.createFile(atPath: dir.path + "/forwarder.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path + "/forwarder.log"))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let url = "http://127.0.0.1:\(operationsPort)/readyz"
        try await eventually(timeout: .seconds(60), "health --url answers 0") {
            try await runForwarder(["health", "--url", url]).status == 0
        }
        let byURL = try await runForwarder(["health", "--url", url])
        #expect(byURL.stdout == "Ready: \(url) answered 200.\n", "\(byURL.stdout)")
        let byConfig = try await runForwarder(["health", "--config", configPath])
        #expect(byConfig.status == 0 && byConfig.stdout == byURL.stdout, "\(byConfig.stdout)\(byConfig.stderr)")
        let byEnvironment = try await runForwarder(["health"], environment: environment)
        #expect(byEnvironment.status == 0 && byEnvironment.stdout == byURL.stdout, "\(byEnvironment.stdout)\(byEnvironment.stderr)")
        let live = try await runForwarder(["health", "--live"], environment: environment)
        #expect(live.status == 0 && live.stdout == "Ready: http://127.0.0.1:\(operationsPort)/healthz answered 200.\n", "\(live.stdout)\(live.stderr)")

        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()

        let closed = try await runForwarder(["health", "--config", configPath])
        #expect(closed.status == 1)
        #expect(closed.stderr == "Not ready: nothing answers at \(url) (connection refused).\n", "\(closed.stderr)")
        #expect(closed.stdout.isEmpty)
    }

    @Test("health exits 1 with the not-ready components of a 503's JSON, a hint for a 404, and the timeout for a listener that never answers, each in one line")
    func notReadyAnswers() async throws {
        let server = try await ReadinessStub.start()
        defer { Task { try await server.stop() } }
        let base = "http://127.0.0.1:\(server.port)"

        let unready = try await runForwarder(["health", "--url", base + "/readyz"])
        #expect(unready.status == 1)
        #expect(unready.stderr == "Not ready: \(base)/readyz answered 503: journal: disk I/O error; source:event_streams: stopping.\n",
                "\(unready.stderr)")

        let wrongListener = try await runForwarder(["health", "--url", base + "/webhooks"])
        #expect(wrongListener.status == 1)
        #expect(wrongListener.stderr == "Not ready: \(base)/webhooks answered 404 (is this the operations listener, operations.listen?).\n",
                "\(wrongListener.stderr)")

        let started = ContinuousClock.now
        let silent = try await runForwarder(["health", "--url", base + "/slow", "--timeout", "0.5"])
        #expect(silent.status == 1)
        #expect(silent.stderr == "Not ready: \(base)/slow did not answer within 0.5 s.\n", "\(silent.stderr)")
        #expect(ContinuousClock.now - started < .seconds(5), "the timeout bounds the wait")
    }

    @Test("health refuses a URL that is not plain http, --url together with --config, and a pipeline whose operations port is 0")
    func refusals() async throws {
        let https = try await runForwarder(["health", "--url", "https://127.0.0.1:9464/readyz"])
        #expect(https.status == 1 && https.stderr == "--url https://127.0.0.1:9464/readyz is not an http URL like http://127.0.0.1:9464/readyz.\n",
                "\(https.stderr)")
        let both = try await runForwarder(["health", "--url", "http://127.0.0.1:9464/readyz", "--config", "x.yaml"])
        #expect(both.status == 1 && both.stderr == "Give --url or --config, not both.\n", "\(both.stderr)")

        let dir = TestDirectory()
        let configPath = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: "http://127.0.0.1:1", directory: dir.path, operationsPort: 0)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let portZero = try await runForwarder(["health", "--config", configPath])
        #expect(portZero.status == 1 && portZero.stderr.contains("has port 0") && portZero.stderr.contains("give --url"), "\(portZero.stderr)")
    }
}

/// A stand-in operations listener: `/readyz` answers 503 with two unready components, `/slow`
/// never answers within a test's patience, anything else 404.
private enum ReadinessStub {
    static func start() async throws -> LoopbackHTTPServer {
        let router = Router()
        router.get("/readyz") { _, _ in
            let body = #"{"ready":false,"components":{"journal":{"ready":false,"detail":"disk I/O error"},"#
                + #""source:event_streams":{"ready":false,"detail":"stopping"},"merge":{"ready":true,"detail":"ok"}}}"#
            return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3))
            return Response(status: .ok)
        }
        return try await LoopbackHTTPServer.start(router)
    }
}
