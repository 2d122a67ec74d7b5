import TestSupport
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

    /// The lines of a plain append-file output: rotated files in order, then the active one.
    func plainLines(in directory: String, active: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let ordered = names.filter { $0 != active } + (names.contains(active) ? [active] : [])
        return try ordered.flatMap { name -> [String] in
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            if !text.isEmpty && !text.hasSuffix("\n") { throw TestFailure("\(name) ends in a torn line") }
            return text.split(separator: "\n").map(String.init)
        }
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
            + """

              - name: plain
                format: ndjson
                transport:
                  type: file
                  path: \(dir.path)/plain/twilio.ndjson
                  rotate: { max_bytes: 2MiB }
            """
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
            let plain = try await journal.outputPosition("plain")
            last = "\(stats), outputs at \(position?.sequence ?? -1) and \(plain?.sequence ?? -1), running \(process.isRunning)"
            return stats.events == truth.count && stats.pending == 0 && position?.sequence == stats.lastSequence
                && plain?.sequence == stats.lastSequence
        }
        await journal.close()
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()

        let ids = try eventIDs(in: dir.path + "/out")
        #expect(ids.count == truth.count, "no duplicates after \(kills) kills")
        #expect(Set(ids) == truth, "no loss after \(kills) kills")
        let plain = try plainLines(in: dir.path + "/plain", active: "twilio.ndjson").map { line in
            try JSONReader.parse(Array(line.utf8))["event"]?["id"]?.stringValue ?? ""
        }
        #expect(plain.count == truth.count, "the append file holds no duplicate after \(kills) kills")
        #expect(Set(plain) == truth, "the append file lost nothing after \(kills) kills")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").filter { $0.hasSuffix(".part") }
        #expect(leftovers.isEmpty)
    }
}
