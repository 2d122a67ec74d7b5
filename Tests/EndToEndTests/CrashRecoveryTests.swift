import TestSupport
import ForwarderCore
import Foundation
import Journal
import Testing
import TwilioSimulator

@Suite("Crash recovery of the real binary", .serialized)
struct CrashRecoveryTests {
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
        var simulatorConfig = simulatorConfiguration(seed: 11, days: 3, perDay: 3000, perMinute: 1200)
        simulatorConfig.lateVisibleFraction = 0.1
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
            let process = try startForwarder(config: configPath, log: log)
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
        let process = try startForwarder(config: configPath, log: log)
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

    /// Whether the process is stopped (`T` in `/proc/PID/stat`).
    func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.range(of: ") ") else { return false }
        return stat[afterName.upperBound...].hasPrefix("T")
    }

    /// How often `text` occurs in the log file at `path`.
    func occurrences(of text: String, inLog path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").components(separatedBy: text).count - 1
    }

    @Test("SIGKILL between an append-file write and its commit, until the restart had to cut the file back twice: every event once, no torn line")
    func killInsideAppendWrite() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 12, days: 1, perDay: 2000, perMinute: 12_000), logger: quietLogger)
        let dir = TestDirectory()
        let configPath = dir.path + "/pipeline.yaml"
        let plainPath = dir.path + "/plain/twilio.ndjson"
        let yaml = monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path) + """

              - name: plain
                format: ndjson
                transport: { type: file, path: \(plainPath) }
            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let log = dir.path + "/forwarder.log"
        let cutMessage = "back to its committed length"

        // Freeze the process at random instants; when the file holds bytes past the committed
        // length, kill it right there. What proves a kill inside the window is the next start
        // cutting the file back, which it logs.
        let journal = try Journal(directory: dir.path + "/state")
        var rng = SeededRandom(seed: 7)
        var killedInside = 0
        var cuts = 0
        var runs = 0
        while cuts < 2, runs < 40 {
            runs += 1
            // Each start writes a new log.
            let process = try startForwarder(config: configPath, log: log)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let pid = process.processIdentifier
            try await eventually("the plain output recovered (run \(runs))") {
                occurrences(of: "Output plain resuming", inLog: log) >= 1 || !process.isRunning
            }
            cuts += occurrences(of: cutMessage, inLog: log)
            let probeUntil = ContinuousClock.now + .seconds(3)
            probing: while ContinuousClock.now < probeUntil, process.isRunning {
                try await Task.sleep(for: .milliseconds(Int64.random(in: 1...8, using: &rng)))
                kill(pid, SIGSTOP)
                try await eventually(timeout: .seconds(5), "process \(pid) stops") { isStopped(pid) || !process.isRunning }
                let onDisk = PosixFileSize.of(plainPath) ?? 0
                let committed = try await journal.outputPosition("plain")?.byteOffset ?? .max
                if onDisk > committed {
                    killedInside += 1
                    break probing
                }
                kill(pid, SIGCONT)
            }
            kill(pid, SIGKILL)
            kill(pid, SIGCONT)
            try await waitForExit(process)
        }

        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let truth = await simulator.groundTruthIDs()
        let process = try startForwarder(config: configPath, log: log)
        defer { if process.isRunning { process.terminate() } }
        var last = ""
        try await eventually(timeout: .seconds(120), "the restarted forwarder delivers everything (\(last); truth \(truth.count); log: \(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(3000)))") {
            let stats = try await journal.stats()
            let plain = try await journal.outputPosition("plain")
            last = "\(stats), plain at \(plain?.sequence ?? -1), running \(process.isRunning), after \(runs) runs"
            return stats.events == truth.count && stats.pending == 0 && plain?.sequence == stats.lastSequence
        }
        await journal.close()
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()

        cuts += occurrences(of: cutMessage, inLog: log)
        #expect(cuts >= 2, "in \(runs) runs (\(killedInside) kills with bytes past the commit), the file was cut back \(cuts) times")
        let text = try String(contentsOfFile: plainPath, encoding: .utf8)
        #expect(text.hasSuffix("\n"), "no torn last line")
        let ids = try text.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8))["event"]?["id"]?.stringValue ?? "" }
        #expect(ids.count == truth.count && Set(ids) == truth, "every event exactly once after \(cuts) repaired kills")
        print("append-file crash test: \(runs) runs, \(killedInside) kills with bytes past the commit, \(cuts) cut back on restart")
    }
}

/// The size of a file, or nil when it does not exist.
enum PosixFileSize {
    static func of(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}
