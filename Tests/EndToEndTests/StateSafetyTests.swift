import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import TestSupport
import ForwarderCore
import Foundation
import Journal
import Testing
import TwilioSimulator

/// The state directory and the output files under operator mistakes and storage faults, through
/// the real binary: modes that do not depend on the umask, a lock that cannot be deleted, a
/// damaged journal refused with the command that salvages it, an append file that is never cut
/// back by a copied state directory, and a full disk under a gzip output that loses nothing.
@Suite("State directory and output files under mistakes and faults, through the binary", .serialized)
struct StateSafetyTests {
    /// The permission bits of `path`.
    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    /// Starts `siem-forwarder run` under `umask`, its log in `log`.
    static func startUnderUmask(config: String, log: String, umask: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "umask \(umask) && exec \"$0\" run --config \"$1\" --log-format text", try forwarderBinary(), config]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func stop(_ process: Process) async throws {
        if process.isRunning { process.terminate() }
        try await waitForExit(process)
    }

    @Test("under umask 000 the state directory is 0700, the journal and its -wal and -shm 0600, and output files get file_mode")
    func modesIgnoreTheUmask() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 31, days: 1, perDay: 200, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try (monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "2d") + """

              - name: plain
                format: ndjson
                transport: { type: file, path: \(dir.path)/plain/deep/twilio.ndjson, file_mode: "0604" }
            """).write(toFile: config, atomically: true, encoding: .utf8)
        let process = try Self.startUnderUmask(config: config, log: dir.path + "/forwarder.log", umask: "000")
        let state = dir.path + "/state"
        try await eventually(timeout: .seconds(30), "the journal's -wal and -shm exist and the files are written") {
            FileManager.default.fileExists(atPath: state + "/journal.sqlite-wal")
                && FileManager.default.fileExists(atPath: state + "/journal.sqlite-shm")
                && (try? eventIDs(in: dir.path + "/out").isEmpty) == false
                && FileManager.default.fileExists(atPath: dir.path + "/plain/deep/twilio.ndjson")
        }
        #expect(Self.mode(state) == 0o700)
        for name in ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"] {
            #expect(Self.mode(state + "/" + name) == 0o600, "\(name)")
        }
        let gzipFile = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").first { $0.hasSuffix(".ndjson.gz") })
        #expect(Self.mode(dir.path + "/out/" + gzipFile) == 0o640, "the default file_mode")
        #expect(Self.mode(dir.path + "/out") == 0o750)
        #expect(Self.mode(dir.path + "/plain/deep/twilio.ndjson") == 0o604)
        #expect(Self.mode(dir.path + "/plain/deep") == 0o705, "readable for others, so others may enter")
        #expect(Self.mode(dir.path + "/plain") == 0o705)
        try await Self.stop(process)
        await simulator.stop()
    }

    @Test("a second run on the same state.dir is refused, also after someone deleted forwarder.lock")
    func lockCannotBeDeleted() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 32, days: 1, perDay: 100, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "2d")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let first = try startForwarder(config: config, log: dir.path + "/first.log")
        try await eventually(timeout: .seconds(30), "the first forwarder writes") { (try? eventIDs(in: dir.path + "/out").isEmpty) == false }
        try? FileManager.default.removeItem(atPath: dir.path + "/state/forwarder.lock")
        let second = try await runForwarder(["run", "--once", "--config", config], timeout: .seconds(30))
        #expect(second.status == 2)
        #expect(second.stderr.contains("Another siem-forwarder is using state.dir"), "\(second.stderr.suffix(1000))")
        try await Self.stop(first)
        await simulator.stop()
    }

    /// Writes `count` random bytes at `offset` of `path`.
    static func scribble(_ path: String, offset: UInt64, count: Int, seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        try handle.close()
    }

    @Test("a journal with damaged pages is refused with the repair command; checkpoint repair salvages it and the forwarder carries on")
    func damagedJournal() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 33, days: 2, perDay: 600, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "3d")
            .write(toFile: config, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        let first = try await runForwarder(["run", "--once", "--config", config])
        #expect(first.status == 0, "\(first.stderr.suffix(2000))")
        let truth = await simulator.groundTruthIDs()
        #expect(Set(try eventIDs(in: dir.path + "/out")) == truth)

        // 16 KB of noise at page 50 (4 KiB pages): event rows that every output has delivered.
        let journal = dir.path + "/state/journal.sqlite"
        try Self.scribble(journal, offset: 50 * 4096, count: 16 * 1024, seed: 7)
        let refused = try await runForwarder(["run", "--once", "--config", config])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("damaged"), "\(refused.stderr.suffix(2000))")
        #expect(refused.stderr.contains("siem-forwarder checkpoint repair --config"))
        #expect(try eventIDs(in: dir.path + "/out").count == truth.count, "nothing was written on the damaged journal")

        let repair = try await runForwarder(["checkpoint", "repair", "--config", config])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(repair.stdout.contains("passes SQLite's check"), "\(repair.stdout)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/state").filter { $0.hasPrefix("journal.sqlite.damaged-") }
        #expect(!kept.isEmpty, "the damaged journal is kept")

        let added = await simulator.addEvents(count: 50)
        try await Task.sleep(for: .milliseconds(1100))
        let again = try await runForwarder(["run", "--once", "--config", config])
        #expect(again.status == 0, "\(again.stderr.suffix(2000))")
        let ids = try eventIDs(in: dir.path + "/out")
        #expect(Set(ids) == truth.union(added), "the events after the repair arrive")
        #expect(exactlyOnceProblem(ids.sorted(), expected: Array(truth.union(added)).sorted()) == nil, "\(repair.stdout)")
        await simulator.stop()
    }

    @Test("a truncated journal is refused with the repair command")
    func truncatedJournal() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 34, days: 1, perDay: 400, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "2d")
            .write(toFile: config, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await runForwarder(["run", "--once", "--config", config]).status == 0)
        let journal = dir.path + "/state/journal.sqlite"
        let size = try #require(FileManager.default.attributesOfItem(atPath: journal)[.size] as? NSNumber).intValue
        #expect(truncate(journal, off_t(size / 2)) == 0)
        let refused = try await runForwarder(["run", "--once", "--config", config])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("siem-forwarder checkpoint repair --config"), "\(refused.stderr.suffix(2000))")
        let repair = try await runForwarder(["checkpoint", "repair", "--config", config])
        #expect(repair.status == 0, "\(repair.stderr)\(repair.stdout)")
        #expect(try await runForwarder(["run", "--once", "--config", config]).status == 0)
        await simulator.stop()
    }

    @Test("an append file never cut back by a copy of its state dir: the copy writes to its own configured path")
    func copiedStateDirectory() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 35, days: 1, perDay: 300, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        func pipeline(_ name: String) -> String {
            """
            state:
              dir: \(dir.path)/\(name)/state
            server:
              listen: 127.0.0.1:0
            operations:
              listen: "127.0.0.1:0"
            sources:
              monitor:
                base_url: \(simulator.baseURL)
                account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                password: simulator-auth-token
                poll_interval: 200ms
                lookback: 1s
                backfill: 2d
            outputs:
              - name: plain
                format: ndjson
                transport: { type: file, path: \(dir.path)/\(name)/siem.ndjson }
            """
        }
        try pipeline("a").write(toFile: dir.path + "/a.yaml", atomically: true, encoding: .utf8)
        try pipeline("b").write(toFile: dir.path + "/b.yaml", atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await runForwarder(["run", "--once", "--config", dir.path + "/a.yaml"]).status == 0)
        // The original forwarder goes on writing its file after the state dir was copied.
        try FileManager.default.createDirectory(atPath: dir.path + "/b", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir.path + "/a/state", toPath: dir.path + "/b/state")
        let original = dir.path + "/a/siem.ndjson"
        let handle = try #require(FileHandle(forWritingAtPath: original))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"written\":\"later by the original\"}\n".utf8))
        try handle.close()
        let before = try String(contentsOfFile: original, encoding: .utf8)

        let added = await simulator.addEvents(count: 20)
        try await Task.sleep(for: .milliseconds(1100))
        let copy = try await runForwarder(["run", "--once", "--config", dir.path + "/b.yaml", "--log-format", "text"])
        #expect(copy.status == 0, "\(copy.stderr.suffix(2000))")
        #expect(try String(contentsOfFile: original, encoding: .utf8) == before, "the original's file is untouched")
        #expect(copy.stderr.contains("Leaving \(original) untouched"), "\(copy.stderr.suffix(2000))")
        let written = try String(contentsOfFile: dir.path + "/b/siem.ndjson", encoding: .utf8).split(separator: "\n").map { line in
            try JSONReader.parse(Array(line.utf8))["event"]?["id"]?.stringValue ?? ""
        }
        #expect(Set(written) == Set(added), "the copy writes what came after the copy, to its own path")
        await simulator.stop()
    }

    @Test("disk full under a gzip output: /status reports it while it lasts, and once space is freed every event is in the files once, without a restart")
    func diskFullUnderGzipOutput() async throws {
        guard let fs = try SmallFileSystem.mount(bytes: 8 << 20) else {
            print("skipped: mounting a small file system needs root")
            return
        }
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 36, days: 2, perDay: 3000, perMinute: 600), logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        let out = fs.path + "/out"
        try monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "3d", operationsPort: port)
            .replacingOccurrences(of: dir.path + "/out/", with: out + "/")
            .replacingOccurrences(of: "rotate: { max_bytes: 256KiB, max_age: 500ms }", with: "rotate: { max_bytes: 1MiB, max_age: 1h }")
            .write(toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try fs.fill()
        let process = try startForwarder(config: config, log: dir.path + "/forwarder.log")
        func readiness() async -> (Int, String) {
            guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/status"), timeout: .seconds(5)),
                  let body = try? await response.body.collect(upTo: 1 << 20) else { return (0, "") }
            return (Int(response.status.code), String(buffer: body))
        }
        try await eventually(timeout: .seconds(60), "/status reports the full disk") {
            let (status, body) = await readiness()
            return status == 503 && body.contains("No space left on device")
        }
        #expect(try eventIDs(in: out).isEmpty)
        fs.free()
        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let truth = await simulator.groundTruthIDs()
        try await eventually(timeout: .seconds(60), "/status is healthy again") { await readiness().0 == 200 }
        let journal = try Journal(directory: dir.path + "/state")
        try await eventually(timeout: .seconds(60), "every event is stored and released") {
            let stats = try await journal.stats()
            return stats.events == truth.count && stats.pending == 0
        }
        await journal.close()
        #expect(process.isRunning, "recovered without a restart")
        try await Self.stop(process)
        #expect(process.terminationStatus == 0)
        let ids = try eventIDs(in: out)
        #expect(exactlyOnceProblem(ids.sorted(), expected: truth.sorted()) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasSuffix(".part") })
        await simulator.stop()
    }
}
