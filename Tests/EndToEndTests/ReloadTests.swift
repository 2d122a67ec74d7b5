import ForwarderCore
import Foundation
import TestSupport
import Testing

/// SIGHUP through the real binary: append files reopened after logrotate, the pipeline file
/// reloaded when it changed and validates, kept when it does not.
@Suite("SIGHUP: reopen and reload, through the binary", .serialized, .enabled(if: SyslogNG.interopTestsRun))
struct ReloadTests {
    /// An Event Streams pipeline with an append file `archive`, plus `extra` YAML outputs.
    static func pipeline(directory: String, port: Int, extra: String = "") -> String {
        """
        state:
          dir: \(directory)/state
        server:
          listen: 127.0.0.1:\(port)
        operations:
          listen: "127.0.0.1:0"
        sources:
          event_streams:
            path: /webhooks/event-streams
            public_url: http://127.0.0.1:\(port)/webhooks/event-streams
            auth_token: \(LatencyAndStopTests.token)
        merge:
          max_delay: 200ms
        outputs:
          - name: archive
            format: ndjson
            transport: { type: file, path: \(directory)/archive/twilio.ndjson }
        """ + extra
    }

    func log(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test("after logrotate's create the next events go to the new file; an added output starts after SIGHUP; an invalid edit keeps the running pipeline; SIGTERM still exits 0")
    func reopenAndReload() async throws {
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        let logPath = dir.path + "/forwarder.log"
        let archive = dir.path + "/archive/twilio.ndjson"
        try Self.pipeline(directory: dir.path, port: port).write(toFile: config, atomically: true, encoding: .utf8)
        let process = try startForwarder(config: config, log: logPath)
        defer { if process.isRunning { process.terminate() } }
        try await eventually("the webhook answers") { (try? await LatencyAndStopTests.deliver(ids: ["a1", "a2"], port: port)) == 200 }
        try await eventually("a1, a2 are in the archive") { LatencyAndStopTests.appendIDs(archive).sorted() == ["a1", "a2"] }

        // logrotate `create`: the file is renamed away, the forwarder told with SIGHUP.
        try FileManager.default.moveItem(atPath: archive, toPath: archive + ".1")
        kill(process.processIdentifier, SIGHUP)
        try await eventually("the reopen is logged") { log(logPath).contains("Reopened \(archive)") }
        #expect(try await LatencyAndStopTests.deliver(ids: ["b1"], port: port) == 200)
        try await eventually("b1 is in the new file") { LatencyAndStopTests.appendIDs(archive) == ["b1"] }
        #expect(LatencyAndStopTests.appendIDs(archive + ".1").sorted() == ["a1", "a2"], "the rotated file keeps what it had")
        #expect(process.isRunning)

        // An output added to the file: the forwarder starts again with it.
        let copy = dir.path + "/copy/twilio.ndjson"
        try Self.pipeline(directory: dir.path, port: port, extra: """

              - name: copy
                format: ndjson
                transport: { type: file, path: \(copy) }
            """).write(toFile: config, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        try await eventually("the reload is logged") { log(logPath).contains("changed and validates") }
        try await eventually("the webhook answers again") { (try? await LatencyAndStopTests.deliver(ids: ["c1"], port: port)) == 200 }
        try await eventually("c1 reaches both outputs") {
            LatencyAndStopTests.appendIDs(archive) == ["b1", "c1"] && LatencyAndStopTests.appendIDs(copy).contains("c1")
        }

        // An edit that does not validate: the running pipeline goes on, the log says why.
        try "outputs:\n  - name: broken\n    format: xml\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        try await eventually("the refusal is logged") { log(logPath).contains("does not validate") }
        #expect(try await LatencyAndStopTests.deliver(ids: ["d1"], port: port) == 200)
        try await eventually("d1 is in both outputs") {
            LatencyAndStopTests.appendIDs(archive) == ["b1", "c1", "d1"] && LatencyAndStopTests.appendIDs(copy).contains("d1")
        }
        #expect(process.isRunning)
        #expect(!log(logPath).contains("Forwarder stopped because"), "\(log(logPath))")

        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0, "\(log(logPath))")
        #expect(LatencyAndStopTests.appendIDs(archive) == ["b1", "c1", "d1"], "exactly once across two reloads")
    }
}
