import TestSupport
import ForwarderCore
import Foundation
import Journal
import Testing
import TwilioSimulator

/// The crash harness: the real binary under SIGKILL at random moments while the simulator serves
/// live Monitor events (with faults and late-visible events) and posts Event Streams deliveries,
/// into three outputs — gzip NDJSON files, an RFC 5424 append file, CEF over TCP to syslog-ng.
/// At the end every output is compared with the ground truth: the files exactly once, TCP at least
/// once with its duplicates counted.
///
/// CI runs the short mode (10 kills). The long mode is run by hand:
/// `CRASH_HARNESS_KILLS=60 swift test --filter CrashHarness` (see Docs/RELIABILITY.md);
/// `CRASH_HARNESS_SEED` picks another sequence of kill moments.
@Suite("Crash harness: random SIGKILLs under live load, three outputs against the ground truth", .serialized,
       .enabled(if: SyslogNG.interopTestsRun))
struct CrashHarnessTests {
    static let environment = ProcessInfo.processInfo.environment
    static let kills = Int(environment["CRASH_HARNESS_KILLS"] ?? "") ?? 10
    static let seed = UInt64(environment["CRASH_HARNESS_SEED"] ?? "") ?? 2026

    /// The `id` SD parameter of each RFC 5424 line in the append-file output's files, in order.
    static func appendFileIDs(_ directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        // Rotated files (`twilio.log.000001`, …) first, then the active one.
        let ordered = names.filter { $0 != "twilio.log" } + (names.contains("twilio.log") ? ["twilio.log"] : [])
        return try ordered.flatMap { name -> [String] in
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            if !text.isEmpty, !text.hasSuffix("\n") { throw TestFailure("\(name) ends in a torn line") }
            return try text.split(separator: "\n").map { line in
                guard let start = line.range(of: "[twilio@32473 id=\""),
                      let end = line[start.upperBound...].firstIndex(of: "\"") else {
                    throw TestFailure("an RFC 5424 line without the twilio SD id: \(line.prefix(200))")
                }
                return String(line[start.upperBound..<end])
            }
        }
    }

    @Test("random SIGKILLs under live Monitor and Event Streams load: files exactly once, TCP at least once")
    func randomKills() async throws {
        let dir = TestDirectory()
        let collector = SyslogNG(.tcpRaw(octetCounting: true), directory: dir.path + "/collector")
        try await collector.start()
        let webhookPort = try SyslogNG.freePort(datagram: false)
        let path = "/webhooks/event-streams"
        let publicURL = "http://127.0.0.1:\(webhookPort)\(path)"

        var simulatorConfig = simulatorConfiguration(seed: Self.seed, days: 2, perDay: 1500, perMinute: 1200)
        simulatorConfig.lateVisibleFraction = 0.1
        simulatorConfig.faults = try FaultSpec(parsing: "0.05")
        simulatorConfig.webhookURL = publicURL
        simulatorConfig.webhookEventsPerMinute = 1200
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: quietLogger)

        let config = dir.path + "/pipeline.yaml"
        try (monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, maxAge: "300ms")
            .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:\(webhookPort)")
            .replacingOccurrences(of: "max_bytes: 256KiB", with: "max_bytes: 64KiB")
            .replacingOccurrences(of: "merge:\n", with: """
                  event_streams:
                    path: \(path)
                    public_url: \(publicURL)
                    auth_token: simulator-auth-token
                    allowed_delay: 1s
                merge:

                """)
            + """

              - name: archive
                format: rfc5424
                transport: { type: file, path: \(dir.path)/archive/twilio.log, rotate: { max_bytes: 512KiB } }
              - name: siem
                format: cef
                cef: { syslog_header: true }
                transport: { type: tcp, host: 127.0.0.1, port: \(collector.port), framing: octet-counting, reconnect: { initial: 50ms, max: 500ms } }
            """).write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir.path + "/forwarder.log"

        var rng = SeededRandom(seed: Self.seed)
        for kill in 0..<Self.kills {
            let process = try startForwarder(config: config, log: log)
            defer { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }
            if kill % 3 == 1 {
                // An attack-like burst on top of the steady deliveries.
                await simulator.sendDelivery(events: 40, batched: true)
                await simulator.sendDelivery(events: 10, batched: false)
            }
            try await Task.sleep(for: .milliseconds(Int64.random(in: 100...1500, using: &rng)))
            guard process.isRunning else {
                throw TestFailure("the forwarder exited by itself with status \(process.terminationStatus) after \(kill) kills; see \(log)")
            }
            Foundation.kill(process.processIdentifier, SIGKILL)
            try await waitForExit(process)
            // A consumer globbing *.ndjson.gz at any moment only ever sees complete files.
            _ = try ndjsonRecords(in: dir.path + "/out")
        }

        // A last, clean run once the load stops: everything arrives.
        let process = try startForwarder(config: config, log: log)
        defer { if process.isRunning { process.terminate() } }
        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        await simulator.pauseDeliveries()
        await simulator.waitUntilDeliveriesSettled()
        let deliveries = await simulator.deliveries()
        #expect(deliveries.filter { !$0.acknowledged }.isEmpty, "Twilio gave up on no delivery")
        let truth = await simulator.groundTruthIDs().union(deliveries.map(\.id))
        let journal = try Journal(directory: dir.path + "/state")
        var last = ""
        try await eventually(timeout: .seconds(180), "the last run delivers everything (\(last); truth \(truth.count); log \(log))") {
            let stats = try await journal.stats()
            let positions = try await journal.outputPositions()
            last = "\(stats), positions \(positions.mapValues(\.sequence))"
            return stats.events == truth.count && stats.pending == 0
                && ["files", "archive", "siem"].allSatisfy { positions[$0]?.sequence == stats.lastSequence }
        }
        await journal.close()
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0)
        await simulator.stop()

        let expected = truth.sorted()
        let files = try eventIDs(in: dir.path + "/out")
        #expect(exactlyOnceProblem(files.sorted(), expected: expected) == nil, "gzip files after \(Self.kills) kills")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").allSatisfy { !$0.hasSuffix(".part") })
        let archive = try Self.appendFileIDs(dir.path + "/archive")
        #expect(exactlyOnceProblem(archive.sorted(), expected: expected) == nil, "RFC 5424 append file after \(Self.kills) kills")

        let messages = try await collector.waitForMessages(timeout: .seconds(60)) { messages in
            truth.isSubset(of: Set(messages.compactMap { try? parseCEF($0.message ?? "").extensions["externalId"] }))
        }
        try await collector.stop()
        let tcp = try messages.map { message in
            try parseCEF(message.message ?? "").extensions["externalId"] ?? ""
        }
        let missing = truth.subtracting(tcp)
        #expect(missing.isEmpty, "CEF over TCP lost \(missing.count) events after \(Self.kills) kills")
        let duplicates = tcp.count - Set(tcp).count
        let cutBacks = (try? String(contentsOfFile: log, encoding: .utf8))?.components(separatedBy: "back to its committed length").count ?? 1
        print("crash harness (seed \(Self.seed)): \(Self.kills) kills, \(truth.count) events (\(deliveries.count) from Event Streams); "
              + "gzip and append file exactly once; CEF over TCP \(tcp.count) records, \(duplicates) duplicates; "
              + "\(cutBacks - 1) append-file cut-backs")
    }
}
