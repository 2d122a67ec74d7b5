import AsyncHTTPClient
import NIOCore
import TestSupport
import ForwarderCore
import Foundation
import Gzip
import NIOHTTP1
import Testing
import TwilioSimulator

/// `siem-forwarder replay` through the binary against the simulator: exact ground truth for the
/// range, a day file per day in time order, resumable across `kill -9`, beside a running `run`
/// whose cursor and outputs it never touches; fast when the API is slow; honest refusals.
@Suite("Replay through the binary", .serialized)
struct ReplayTests {
    /// A pipeline with the Monitor source and a gzip NDJSON output (`files`) under `directory`.
    static func pipeline(_ simulator: TwilioSimulator, _ directory: String, pageSize: Int = 1000) -> String {
        """
        state:
          dir: \(directory)/state
        operations:
          listen: "127.0.0.1:0"
        sources:
          monitor:
            base_url: \(simulator.baseURL)
            account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            password: simulator-auth-token
            poll_interval: 300ms
            lookback: 2s
            backfill: 12d
            page_size: \(pageSize)
            retry: { initial: 20ms, max: 300ms }
        outputs:
          - name: files
            format: ndjson
            transport:
              type: file
              path: \(directory)/out/twilio-{seq}.ndjson.gz
              rotate: { max_bytes: 64MiB, max_age: 500ms }
        """
    }

    /// The simulator's visible events with a time in `[from, to)`: sid → time.
    static func truth(_ simulator: TwilioSimulator, from: Timestamp, to: Timestamp) async throws -> [String: Timestamp] {
        var result: [String: Timestamp] = [:]
        for line in await simulator.groundTruthLines() {
            let value = try JSONReader.parse(Array(line.utf8))
            guard let sid = value["sid"]?.stringValue, let time = value["event_date"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }) else { continue }
            if time >= from && time < to { result[sid] = time }
        }
        return result
    }

    /// Each complete day file of the replay target: name → records (id, time, replay job) in file order.
    static func dayFiles(_ directory: String) throws -> [String: [(id: String, time: String, job: String?)]] {
        var files: [String: [(String, String, String?)]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".ndjson.gz") {
            let text = String(decoding: try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))), as: UTF8.self)
            files[name] = try text.split(separator: "\n").map { line in
                let value = try JSONReader.parse(Array(line.utf8))
                return (value["event"]?["id"]?.stringValue ?? "", value["@timestamp"]?.stringValue ?? "", value["forwarder"]?["replay_job"]?.stringValue)
            }
        }
        return files
    }

    static func day(_ offset: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: WallClock.system.now().utcDate.daysSinceEpoch - Int64(offset))
    }

    @Test("days 3–6 of 10 equal the ground truth exactly, a file per day in time order, across kill -9 and a re-run, beside a running forwarder it never touches")
    func exactResumableAndApart() async throws {
        var configuration = simulatorConfiguration(seed: 61, days: 10, perDay: 2500, perMinute: 300)
        configuration.latency = try ResponseLatency(parsing: "30ms±10ms")
        let simulator = try await TwilioSimulator.start(configuration, logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try Self.pipeline(simulator, dir.path).write(toFile: config, atomically: true, encoding: .utf8)
        let live = try startForwarder(config: config, log: dir.path + "/live.log")
        defer { if live.isRunning { live.terminate() } }

        let from = Self.day(7), to = Self.day(4)
        let arguments = ["replay", "--config", config, "--from", from.description, "--to", to.description, "--concurrency", "2", "--log-format", "text"]
        // Killed while it works, then run again: it continues the same job.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: try forwarderBinary())
        first.arguments = arguments
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let jobs = dir.path + "/out"
        try await eventually(timeout: .seconds(30), "the first replay has written a day") {
            ((try? FileManager.default.contentsOfDirectory(atPath: jobs))?.first { $0.hasPrefix("replay-") }).map { job in
                ((try? FileManager.default.contentsOfDirectory(atPath: jobs + "/" + job)) ?? []).contains { $0.hasSuffix(".ndjson.gz") }
            } ?? false
        }
        kill(first.processIdentifier, SIGKILL)
        try await waitForExit(first)
        let second = try await runForwarder(arguments)
        #expect(second.status == 0, "\(second.stderr.suffix(2000))")
        #expect(second.stdout.contains(" done: 4/4 days"), "\(second.stdout)")
        let again = try await runForwarder(arguments)
        #expect(again.status == 0 && again.stdout.contains(" done: 4/4 days, "), "a finished job run again only says so: \(again.stdout)")

        let target = try #require(try FileManager.default.contentsOfDirectory(atPath: jobs).first { $0.hasPrefix("replay-") })
        let files = try Self.dayFiles(jobs + "/" + target)
        let expected = try await Self.truth(simulator, from: from.startOfDay, to: to.next.startOfDay)
        let replayed = files.values.flatMap { $0 }
        #expect(exactlyOnceProblem(replayed.map(\.id).sorted(), expected: expected.keys.sorted()) == nil)
        #expect(files.count == 4, "one file per day: \(files.keys.sorted())")
        for (name, records) in files {
            let keys = records.map { "\($0.time)|\($0.id)" }
            #expect(keys == keys.sorted(), "\(name) is in time order")
            #expect(records.allSatisfy { $0.job == String(target.dropFirst("replay-".count)) }, "\(name): every record names the job")
        }

        // The live forwarder went on: its files hold the live ground truth once, nothing replayed.
        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let liveTruth = await simulator.groundTruthIDs()
        try await eventually(timeout: .seconds(60), "the live forwarder delivers the ground truth") {
            (try? eventIDs(in: dir.path + "/out").filter { liveTruth.contains($0) }.count) ?? 0 >= liveTruth.count
        }
        live.terminate()
        try await waitForExit(live)
        let liveRecords = try ndjsonRecords(in: dir.path + "/out").filter { $0["forwarder"]?["replay"] != .bool(true) }
        let liveIDs = liveRecords.compactMap { $0["event"]?["id"]?.stringValue }
        #expect(exactlyOnceProblem(liveIDs.sorted(), expected: liveTruth.sorted()) == nil, "the live output: every event once")
        let show = try await runForwarder(["checkpoint", "show", "--config", config])
        #expect(show.stdout.contains("output files: sequence \(liveTruth.count) (0 released events not yet delivered)"), "\(show.stdout)")
        #expect(show.stdout.contains("replay jobs") && show.stdout.contains("\(target.dropFirst("replay-".count))  done  4/4 days"), "\(show.stdout)")
        let list = try await runForwarder(["replay", "list", "--config", config])
        #expect(list.stdout.contains("done  4/4 days, \(expected.count) events"), "\(list.stdout)")
        await simulator.stop()
    }

    /// Replays `from`…`to` into `output` under `dir` and times it.
    static func timedReplay(_ config: String, _ dir: String, from: CivilDate, to: CivilDate, concurrency: Int?, into output: String) async throws -> (Duration, ProcessResult) {
        let started = ContinuousClock.now
        let result = try await runForwarder(["replay", "--config", config, "--from", from.description, "--to", to.description,
                                             "--output-dir", dir + "/" + output] + (concurrency.map { ["--concurrency", "\($0)"] } ?? []))
        return (ContinuousClock.now - started, result)
    }

    @Test("with a 200 ms API a replay of 10 days at the default concurrency is over 5× faster than one day at a time")
    func concurrency() async throws {
        var configuration = simulatorConfiguration(seed: 62, days: 10, perDay: 500, perMinute: 0)
        configuration.latency = try ResponseLatency(parsing: "200ms±50ms")
        let simulator = try await TwilioSimulator.start(configuration, logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        // Ten pages a day, so a day is paced by the API's latency rather than by encoding.
        try Self.pipeline(simulator, dir.path, pageSize: 50).write(toFile: config, atomically: true, encoding: .utf8)
        let from = Self.day(10), to = Self.day(1)
        let (sequential, one) = try await Self.timedReplay(config, dir.path, from: from, to: to, concurrency: 1, into: "one")
        #expect(one.status == 0, "\(one.stderr.suffix(1000))")
        let (parallel, many) = try await Self.timedReplay(config, dir.path, from: from, to: to, concurrency: nil, into: "many")
        #expect(many.status == 0, "\(many.stderr.suffix(1000))")
        print("replay of 10 days at a 200 ms API: concurrency 1 took \(sequential), the default took \(parallel)")
        #expect(sequential > parallel * 5, "concurrency 1: \(sequential), default: \(parallel)")
        let expected = try await Self.truth(simulator, from: from.startOfDay, to: to.next.startOfDay).keys.sorted()
        for output in ["one", "many"] {
            let ids = try Self.dayFiles(dir.path + "/" + output + "/files").values.flatMap { $0 }.map(\.id)
            #expect(exactlyOnceProblem(ids.sorted(), expected: expected) == nil, "\(output)")
        }
        await simulator.stop()
    }

    @Test("below the API's concurrency limit the replay meets 429s (Twilio's 20429), slows down and loses nothing")
    func concurrencyLimit() async throws {
        var configuration = simulatorConfiguration(seed: 64, days: 6, perDay: 1500, perMinute: 0)
        configuration.latency = try ResponseLatency(parsing: "100ms±20ms")
        configuration.maxConcurrentRequests = 2
        let simulator = try await TwilioSimulator.start(configuration, logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try Self.pipeline(simulator, dir.path, pageSize: 200).write(toFile: config, atomically: true, encoding: .utf8)
        let from = Self.day(6), to = Self.day(1)
        let (_, result) = try await Self.timedReplay(config, dir.path, from: from, to: to, concurrency: 8, into: "limited")
        #expect(result.status == 0, "\(result.stderr.suffix(1000))")
        #expect(await simulator.stats().concurrencyRefusals > 0, "the limit of 2 was met")
        #expect(!result.stdout.contains("(0 answered 429)"), "\(result.stdout)")
        let expected = try await Self.truth(simulator, from: from.startOfDay, to: to.next.startOfDay).keys.sorted()
        let ids = try Self.dayFiles(dir.path + "/limited/files").values.flatMap { $0 }.map(\.id)
        #expect(exactlyOnceProblem(ids.sorted(), expected: expected) == nil)
        await simulator.stop()
    }

    @Test("a range that cannot be meant is refused with one sentence and exit 1", arguments: [
        (["--from", "2026-11-06", "--to", "2026-11-03"], "is not before --to"),
        (["--from", "2099-01-01", "--to", "2099-01-02"], "is in the future"),
        (["--from", "yesterday", "--to", "2026-11-03"], "is not a date"),
        (["--from", "2026-11-01", "--to", "2026-11-03", "--concurrency", "0"], "--concurrency must be at least 1"),
    ])
    func refusals(arguments: [String], message: String) async throws {
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try """
            state: { dir: \(dir.path)/state }
            sources: { monitor: { base_url: "http://127.0.0.1:9", account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, password: x } }
            outputs: [ { name: files, format: ndjson, transport: { type: file, path: "\(dir.path)/out/t-{seq}.ndjson.gz" } } ]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["replay", "--config", config] + arguments)
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("on a terminal the replay shows a live progress line (read from a real pty)")
    func progressLineOnATerminal() async throws {
        var configuration = simulatorConfiguration(seed: 63, days: 4, perDay: 1500, perMinute: 0)
        configuration.latency = try ResponseLatency(parsing: "150ms")
        let simulator = try await TwilioSimulator.start(configuration, logger: quietLogger)
        let dir = TestDirectory()
        let config = dir.path + "/pipeline.yaml"
        try Self.pipeline(simulator, dir.path).write(toFile: config, atomically: true, encoding: .utf8)
        let command = [try forwarderBinary(), "replay", "--config", config, "--from", Self.day(4).description, "--to", Self.day(1).description,
                       "--concurrency", "1"].map { "'\($0)'" }.joined(separator: " ")
        // `script` gives the command a real pseudo-terminal and records what it showed.
        let result = try await runProgram("/usr/bin/script", ["-qfec", command, dir.path + "/screen.log"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let screen = try String(contentsOfFile: dir.path + "/screen.log", encoding: .utf8)
        #expect(screen.contains("\r\u{1B}[K"), "the line is redrawn in place")
        #expect(screen.contains("/4 days") && screen.contains("events/s"), "\(screen.suffix(600))")
        #expect(screen.contains("done: 4/4 days"))
        await simulator.stop()
    }
}

/// The replay admin API of the running sidecar, on the operations listener.
@Suite("Replay through the admin API", .serialized)
struct ReplayAdminTests {
    static let token = "admin-token-5d1c"

    static func call(_ method: HTTPMethod, _ url: String, token: String? = ReplayAdminTests.token, body: String? = nil) async throws -> (Int, JSONValue?) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer " + token) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body.utf8))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = Array(try await response.body.collect(upTo: 1 << 22).readableBytesView)
        return (Int(response.status.code), try? JSONReader.parse(bytes))
    }

    @Test("401 without the token, 202 with it; the job is followed, survives a restart of the sidecar, ends with the ground truth; another is cancelled")
    func adminReplays() async throws {
        var configuration = simulatorConfiguration(seed: 65, days: 8, perDay: 1500, perMinute: 0)
        configuration.latency = try ResponseLatency(parsing: "150ms±30ms")
        let simulator = try await TwilioSimulator.start(configuration, logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        try (ReplayTests.pipeline(simulator, dir.path, pageSize: 100)
            .replacingOccurrences(of: "operations:\n  listen: \"127.0.0.1:0\"", with: "operations:\n  listen: 127.0.0.1:\(port)\nadmin:\n  token: \(Self.token)"))
            .write(toFile: config, atomically: true, encoding: .utf8)
        var sidecar = try startForwarder(config: config, log: dir.path + "/sidecar.log")
        defer { if sidecar.isRunning { sidecar.terminate() } }
        let base = "http://127.0.0.1:\(port)/admin/replays"
        try await eventually(timeout: .seconds(30), "the operations listener answers") { SyslogNG.accepts(port: port) }

        let from = ReplayTests.day(8), to = ReplayTests.day(2)
        let body = #"{"from":"\#(from)","to":"\#(to)"}"#
        #expect(try await Self.call(.POST, base, token: nil, body: body).0 == 401)
        #expect(try await Self.call(.POST, base, token: "wrong", body: body).0 == 401)
        #expect(try await Self.call(.POST, base, body: #"{"from":"\#(to)","to":"\#(from)"}"#).0 == 400)
        let (status, started) = try await Self.call(.POST, base, body: body)
        #expect(status == 202)
        let id = try #require(started?["id"]?.stringValue)
        #expect(started?["days_total"] == .number("7"))

        // The sidecar restarts while the job runs: the job resumes by itself.
        try await eventually(timeout: .seconds(30), "the job has done a day") {
            (try await Self.call(.GET, base + "/" + id).1?["days_done"]?.scalarText).flatMap { Int($0) } ?? 0 >= 1
        }
        sidecar.terminate()
        try await waitForExit(sidecar)
        #expect(sidecar.terminationStatus == 0)
        sidecar = try startForwarder(config: config, log: dir.path + "/sidecar-2.log")
        try await eventually(timeout: .seconds(90), "the job resumes after the restart and finishes") {
            try await Self.call(.GET, base + "/" + id).1?["state"] == .string("done")
        }
        let listed = try await Self.call(.GET, base).1
        if case .array(let jobs)? = listed?["replays"] { #expect(jobs.contains { $0["id"] == .string(id) }) } else { Issue.record("no list: \(String(describing: listed))") }

        let target = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").first { $0.hasPrefix("replay-") })
        let ids = try ReplayTests.dayFiles(dir.path + "/out/" + target).values.flatMap { $0 }.map(\.id)
        let expected = try await ReplayTests.truth(simulator, from: from.startOfDay, to: to.next.startOfDay).keys.sorted()
        #expect(exactlyOnceProblem(ids.sorted(), expected: expected) == nil)

        // A second job is cancelled while it runs.
        let (_, second) = try await Self.call(.POST, base, body: #"{"from":"\#(ReplayTests.day(8))","to":"\#(ReplayTests.day(7))"}"#)
        let other = try #require(second?["id"]?.stringValue)
        #expect(try await Self.call(.DELETE, base + "/" + other).0 == 200)
        try await eventually(timeout: .seconds(30), "the cancelled job says so") {
            try await Self.call(.GET, base + "/" + other).1?["state"] == .string("cancelled")
        }
        #expect(try await Self.call(.GET, base + "/r-nothing").0 == 404)
        sidecar.terminate()
        try await waitForExit(sidecar)
        await simulator.stop()
    }

    @Test("without admin.token the admin routes are absent (404)")
    func noToken() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 66, days: 1, perDay: 10, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        try ReplayTests.pipeline(simulator, dir.path).replacingOccurrences(of: "listen: \"127.0.0.1:0\"", with: "listen: 127.0.0.1:\(port)")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let sidecar = try startForwarder(config: config, log: dir.path + "/sidecar.log")
        defer { if sidecar.isRunning { sidecar.terminate() } }
        try await eventually(timeout: .seconds(30), "the operations listener answers") { SyslogNG.accepts(port: port) }
        #expect(try await Self.call(.GET, "http://127.0.0.1:\(port)/admin/replays").0 == 404)
        #expect(try await Self.call(.POST, "http://127.0.0.1:\(port)/admin/replays", body: "{}").0 == 404)
        sidecar.terminate()
        try await waitForExit(sidecar)
        await simulator.stop()
    }
}

/// `--include-journal`: the Event Streams events the live journal keeps, merged in time order.
@Suite("Replay with the journal's Event Streams events", .serialized)
struct ReplayJournalTests {
    @Test("--include-journal re-emits the Event Streams events the journal keeps for the range, merged in time order with the Monitor events")
    func includeJournal() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 67, days: 3, perDay: 800, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        try ReplayTests.pipeline(simulator, dir.path).replacingOccurrences(of: "sources:\n", with: """
            server:
              listen: 127.0.0.1:\(port)
            sources:
              event_streams:
                public_url: http://127.0.0.1:\(port)/webhooks/event-streams
                auth_token: journal-token

            """).write(toFile: config, atomically: true, encoding: .utf8)
        let live = try startForwarder(config: config, log: dir.path + "/live.log")
        defer { if live.isRunning { live.terminate() } }
        try await eventually(timeout: .seconds(30), "the webhook listens") { SyslogNG.accepts(port: port) }
        // Three IAM events dated yesterday noon, delivered now: the journal keeps them.
        let noon = ReplayTests.day(1).startOfDay.adding(.seconds(12 * 3600))
        for n in 0..<3 {
            let time = noon.adding(.seconds(Int64(n))).rfc3339
            let body = #"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/journal","id":"EV-journal-\#(n)","time":"\#(time)","data":{"address":"203.0.113.\#(n)"}}"#
            #expect(try await postSignedDelivery(body, to: "http://127.0.0.1:\(port)/webhooks/event-streams", authToken: "journal-token").status == 200)
        }
        live.terminate()
        try await waitForExit(live)

        let day = ReplayTests.day(1)
        let replay = try await runForwarder(["replay", "--config", config, "--from", day.description, "--to", day.description,
                                             "--include-journal", "--output-dir", dir.path + "/replay"])
        #expect(replay.status == 0, "\(replay.stderr.suffix(1000))")
        let files = try ReplayTests.dayFiles(dir.path + "/replay/files")
        let records = try #require(files.values.first)
        let ids = records.map(\.id)
        #expect(Set(ids).isSuperset(of: ["EV-journal-0", "EV-journal-1", "EV-journal-2"]))
        let monitor = try await ReplayTests.truth(simulator, from: day.startOfDay, to: day.next.startOfDay)
        #expect(exactlyOnceProblem(ids.filter { !$0.hasPrefix("EV-") }.sorted(), expected: monitor.keys.sorted()) == nil)
        let keys = records.map { "\($0.time)|\($0.id)" }
        #expect(keys == keys.sorted(), "merged in time order")
        await simulator.stop()
    }
}
