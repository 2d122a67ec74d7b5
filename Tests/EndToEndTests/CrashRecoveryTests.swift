import ForwarderCore
import Foundation
import Journal
import Testing
import TwilioSimulator

@Suite("Crash recovery of the real binary", .serialized)
struct CrashRecoveryTests {
    func start(config: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try forwarderBinary())
        process.arguments = ["run", "--config", config, "--log-format", "text"]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("SIGKILL at 20+ random points, then a clean run: every event exactly once, every file complete")
    func killNine() async throws {
        var simulatorConfig = SimulatorConfiguration()
        simulatorConfig.seed = 11
        simulatorConfig.historyDays = 3
        simulatorConfig.historyEventsPerDay = 3000
        simulatorConfig.eventsPerMinute = 1200
        simulatorConfig.lateVisibleFraction = 0.1
        simulatorConfig.maxVisibilityDelay = .seconds(1)
        simulatorConfig.slowResponseDelay = .milliseconds(200)
        simulatorConfig.faults = try FaultSpec(parsing: "0.05")
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: quietLogger)
        let dir = TestDirectory()
        let configPath = dir.path + "/pipeline.yaml"
        let yaml = monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, maxAge: "300ms")
            .replacingOccurrences(of: "max_bytes: 256KiB", with: "max_bytes: 64KiB")
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let log = dir.path + "/forwarder.log"

        var rng = SeededRandom(seed: 99)
        var kills = 0
        while kills < 22 {
            let process = try start(config: configPath, log: log)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            try await Task.sleep(for: .milliseconds(Int64.random(in: 80...900, using: &rng)))
            guard process.isRunning else {
                throw TestFailure("the forwarder exited by itself with status \(process.terminationStatus); see \(log)")
            }
            kill(process.processIdentifier, SIGKILL)
            try await waitForExit(process)
            kills += 1
            // A consumer globbing *.ndjson.gz at any moment only ever sees complete files.
            _ = try ndjsonRecords(in: dir.path + "/out")
        }

        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let truth = await simulator.groundTruthIDs()
        let process = try start(config: configPath, log: log)
        defer { if process.isRunning { process.terminate() } }
        let journal = try Journal(directory: dir.path + "/state")
        var last = ""
        try await eventually(timeout: .seconds(120), "the restarted forwarder delivers everything (\(last); truth \(truth.count); log \(log))") {
            let stats = try await journal.stats()
            let position = try await journal.outputPosition("files")
            last = "\(stats), output at \(position?.sequence ?? -1), running \(process.isRunning)"
            return stats.events == truth.count && stats.pending == 0 && position?.sequence == stats.lastSequence
        }
        await journal.close()
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()

        let ids = try eventIDs(in: dir.path + "/out")
        #expect(ids.count == truth.count, "no duplicates after \(kills) kills")
        #expect(Set(ids) == truth, "no loss after \(kills) kills")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").filter { $0.hasSuffix(".part") }
        #expect(leftovers.isEmpty)
    }
}
