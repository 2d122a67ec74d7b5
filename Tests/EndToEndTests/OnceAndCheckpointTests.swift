import TestSupport
import ForwarderCore
import Foundation
import Testing
import TwilioSimulator

@Suite("run --once and checkpoints through the binary", .serialized)
struct OnceAndCheckpointTests {
    @Test("run --once backfills, delivers and exits 0; checkpoint show reports it; reset moves the cursor back without duplicates")
    func onceThenCheckpoint() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 3, days: 2, perDay: 500, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "3d")
            .write(toFile: config, atomically: true, encoding: .utf8)
        // History ends when the simulator starts; let it age past the lookback so --once releases it all.
        try await Task.sleep(for: .milliseconds(1100))
        let truth = await simulator.groundTruthIDs()

        let first = try await runForwarder(["run", "--once", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Set(try eventIDs(in: dir.path + "/out")) == truth)

        let show = try await runForwarder(["checkpoint", "show", "--config", config])
        #expect(show.status == 0)
        #expect(show.stdout.contains("monitor cursor: live"))
        #expect(show.stdout.contains("output files: sequence \(truth.count) (0 released events not yet delivered)"), "\(show.stdout)")

        let day = CivilDate(daysSinceEpoch: Timestamp(epochMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)).utcDate.daysSinceEpoch - 2)
        let reset = try await runForwarder(["checkpoint", "reset", "--config", config, "--to", day.description])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("backfilling, next day \(day)"))

        let second = try await runForwarder(["run", "--once", "--config", config])
        #expect(second.status == 0, "\(second.stderr)")
        let ids = try eventIDs(in: dir.path + "/out")
        #expect(ids.count == truth.count, "re-reading history forwarded nothing twice")
        await simulator.stop()
    }

    @Test("run --once exits 2, naming the output, when a collector is down; the files are complete and the rerun delivers the rest")
    func onceWithDeadCollector() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 4, days: 1, perDay: 200, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        let port = try SyslogNG.freePort(datagram: false)
        try (monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "2d") + """

              - name: collector
                format: rfc5424
                transport: { type: tcp, host: 127.0.0.1, port: \(port), connect_timeout: 1s, reconnect: { initial: 50ms, max: 100ms } }
            """).write(toFile: config, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        let truth = await simulator.groundTruthIDs()

        let first = try await runForwarder(["run", "--once", "--config", config])
        #expect(first.status == 2)
        #expect(first.stderr.contains("Output collector could not deliver everything before stopping"), "\(first.stderr.suffix(2000))")
        #expect(first.stderr.contains("it continues from sequence 0 on the next run"))
        #expect(Set(try eventIDs(in: dir.path + "/out")) == truth, "the other output delivered everything")

        guard SyslogNG.interopTestsRun else { return await simulator.stop() }
        let collector = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/collector", port: port)
        try await collector.start()
        let second = try await runForwarder(["run", "--once", "--config", config])
        #expect(second.status == 0, "\(second.stderr.suffix(2000))")
        let delivered = Set(try await collector.waitForMessages(covering: truth).compactMap { $0.structuredData["twilio@32473"]?["id"] })
        try await collector.stop()
        #expect(delivered == truth)
        #expect(try eventIDs(in: dir.path + "/out").count == truth.count, "the file output wrote nothing twice")
        await simulator.stop()
    }

    @Test("checkpoint reset refuses to run while a forwarder holds the state directory")
    func resetNeedsStoppedForwarder() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(days: 1, perDay: 10, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path).write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir.path + "/forwarder.log"
        let process = try startForwarder(config: config, log: log)
        // Its output running means the lock is held and SIGTERM is handled (a signal before the
        // service group runs would end the process with status 15, not the clean stop checked below).
        try await eventually("the forwarder runs its output") {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Output files resuming")
        }
        let reset = try await runForwarder(["checkpoint", "reset", "--config", config, "--to", "2026-01-01"])
        process.terminate()
        try await waitForExit(process)
        #expect(reset.status == 2)
        #expect(reset.stderr.contains("Another siem-forwarder is using state.dir"))
        #expect(process.terminationStatus == 0)
        await simulator.stop()
    }
}
