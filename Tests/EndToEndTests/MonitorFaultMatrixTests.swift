import AsyncHTTPClient
import ForwarderCore
import Foundation
import Journal
import MonitorPoller
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import TwilioSimulator

/// One row of the Monitor fault matrix: a fault of the Twilio Monitor API, how the simulator
/// injects it, and what the forwarder must say about it while it lasts.
struct MonitorFault: Sendable, CustomTestStringConvertible {
    /// How the fault is switched on and off.
    enum Trigger: Sendable {
        /// After going live: `transient` (rate 0.5; retried, so windows still complete and the
        /// cursor moves under it), then `persistent` (rate 1.0; nothing gets through), then cleared.
        case faults(transient: String, persistent: String)
        /// `page404=1` once the backfill has committed a day, then cleared: every `next_page_url`
        /// of the day being fetched 404s, so no day of several pages can complete.
        case pageNotFoundDuringBackfill
        /// After going live: the credentials revoked (401 with 20003), then restored.
        case revokedCredentials
        /// The simulator's clock runs this far ahead of the forwarder's (negative: behind) from
        /// the start; a standing condition with nothing to clear, which must not cost an event.
        case clockSkew(Duration)
    }

    var name: String
    var trigger: Trigger
    /// What `/status`'s `source:monitor` detail and one log line say while a persistent fault lasts.
    var phrase: String?

    var testDescription: String { name }

    /// The backfill of several days × a few thousand events at 250 a page that `page404` needs;
    /// one day of a few hundred for the others (at 1000 a page under a skew, whose lookback
    /// spans some 1000 live events).
    var history: (days: Int, perDay: Int, pageSize: Int) {
        switch trigger {
        case .pageNotFoundDuringBackfill: return (3, 3000, 250)
        case .clockSkew: return (1, 400, 1000)
        default: return (1, 400, 100)
        }
    }

    /// More than the simulator's 1 s late visibility plus the skew, as Docs/ARCHITECTURE.md asks.
    var lookback: String {
        if case .clockSkew = trigger { return "95s" }
        return "2s"
    }

    /// Events dated ahead of the forwarder's clock are released only once its clock minus
    /// `lookback` passes them, so they cannot all be in the files when the test stops it.
    var holdsEventsDatedAhead: Bool {
        if case .clockSkew(let offset) = trigger { return offset > .zero }
        return false
    }

    /// A slow page's delay exceeds the request timeout: the forwarder cuts it mid-body.
    var requestTimeout: String { name == "slow bodies" ? "1s" : "3s" }

    static let rows: [MonitorFault] = [
        MonitorFault(name: "429 with Retry-After", trigger: .faults(transient: "429+retry-after=0.5", persistent: "429+retry-after=1"),
                     phrase: "Monitor API is unavailable (HTTP 429, Twilio 20429)"),
        MonitorFault(name: "429 without Retry-After", trigger: .faults(transient: "429-retry-after=0.5", persistent: "429-retry-after=1"),
                     phrase: "Monitor API is unavailable (HTTP 429, Twilio 20429)"),
        MonitorFault(name: "500", trigger: .faults(transient: "500=0.5", persistent: "500=1"),
                     phrase: "Monitor API is unavailable (HTTP 500, Twilio 20500)"),
        MonitorFault(name: "503", trigger: .faults(transient: "503=0.5", persistent: "503=1"),
                     phrase: "Monitor API is unavailable (HTTP 503, Twilio 20503)"),
        MonitorFault(name: "connection reset", trigger: .faults(transient: "reset=0.5", persistent: "reset=1"),
                     phrase: "the connection was reset before the answer was complete"),
        MonitorFault(name: "slow bodies", trigger: .faults(transient: "slow=0.5", persistent: "slow=1"),
                     phrase: "no complete answer within the request timeout of 1s"),
        MonitorFault(name: "truncated JSON", trigger: .faults(transient: "truncate=0.5", persistent: "truncate=1"),
                     phrase: "Could not read from the Monitor API"),
        MonitorFault(name: "page404 mid-range", trigger: .pageNotFoundDuringBackfill,
                     phrase: "Monitor API refused the next page of a window (HTTP 404, Twilio 20404"),
        MonitorFault(name: "401 mid-run", trigger: .revokedCredentials,
                     phrase: "Monitor API refused the credentials (HTTP 401, Twilio 20003)"),
        MonitorFault(name: "clock skew +90 s", trigger: .clockSkew(.seconds(90)), phrase: nil),
        MonitorFault(name: "clock skew -90 s", trigger: .clockSkew(.seconds(-90)), phrase: nil),
    ]
}

@Suite("Monitor API fault matrix: the cursor never runs ahead of the journal, and the forwarder recovers by itself", .serialized)
struct MonitorFaultMatrixTests {
    @Test("under the fault the cursor claims only stored events, /status and the log name a persistent fault, and once it clears the files hold the ground truth exactly once",
          arguments: MonitorFault.rows)
    func fault(_ row: MonitorFault) async throws {
        let history = row.history
        var simulatorConfig = simulatorConfiguration(seed: 41, days: history.days, perDay: history.perDay, perMinute: 600)
        simulatorConfig.slowResponseDelay = .milliseconds(1500)
        if case .clockSkew(let offset) = row.trigger { simulatorConfig.clockOffset = offset }
        if case .pageNotFoundDuringBackfill = row.trigger {
            // Slow pages pace the backfill, so the fault can be switched on between two days.
            simulatorConfig.slowResponseDelay = .milliseconds(100)
            simulatorConfig.faults = try FaultSpec(parsing: "slow=1")
        }
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let yaml = monitorPipelineYAML(
            simulatorURL: simulator.baseURL, directory: dir.path, lookback: row.lookback, pageSize: history.pageSize,
            requestTimeout: row.requestTimeout, operationsPort: port
        )
        let configPath = dir.path + "/pipeline.yaml"
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let log = dir.path + "/forwarder.log"
        let process = try startForwarder(config: configPath, log: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The listener starts after the journal's schema is in place: only then open it beside the forwarder.
        let readyURL = "http://127.0.0.1:\(port)/status"
        try await eventually("\(row.name): the forwarder listens on \(port); log: \(log)") {
            guard process.isRunning else { throw TestFailure("\(row.name): the forwarder exited with status \(process.terminationStatus); see \(log)") }
            return (try? await HTTPClient.shared.execute(HTTPClientRequest(url: readyURL), timeout: .seconds(5))) != nil
        }
        let journal = try Journal(directory: dir.path + "/state")
        let probe = FaultProbe(row: row, simulator: simulator, journal: journal, process: process, readyURL: readyURL, log: log)

        switch row.trigger {
        case .faults(let transient, let persistent):
            try await probe.goLive()
            try await probe.cursorMovesUnder(transient: transient)
            await simulator.setFaults(try FaultSpec(parsing: persistent))
            try await probe.reportsPersistentFault()
            await simulator.setFaults(.none)
        case .pageNotFoundDuringBackfill:
            try await probe.eventually("the backfill committed a day with events and has more to go") {
                let cursor = try await probe.checkedCursor()
                guard case .backfill = cursor?.phase, cursor?.watermark != nil else { return false }
                return try await journal.stats().events > 0
            }
            await simulator.setFaults(try FaultSpec(parsing: "page404=1"))
            try await probe.reportsPersistentFault()
            let stuck = try await probe.checkedCursor()
            let refused = await simulator.stats().faultsInjected["page404"] ?? 0
            try await probe.eventually("three more next_page_urls 404") {
                (await simulator.stats().faultsInjected["page404"] ?? 0) >= refused + 3
            }
            let during = try await probe.checkedCursor()
            #expect(during?.phase == stuck?.phase, "\(row.name): no day completes while its next pages 404")
            await simulator.setFaults(.none)
        case .revokedCredentials:
            try await probe.goLive()
            await simulator.revokeCredentials()
            try await probe.reportsPersistentFault()
            await simulator.restoreCredentials()
        case .clockSkew:
            try await probe.goLive()
            try await probe.cursorMovesUnder(transient: nil)
        }

        try await probe.eventually("/status answers 200 once the fault cleared") {
            try await probe.readiness().status == 200
        }
        if row.phrase != nil {
            try await probe.eventually("a log line says the API answers again") {
                probe.logLines().contains { $0.contains("Monitor API answers again") }
            }
        }
        try await probe.eventually("the Monitor cursor is live") { try await probe.checkedCursor()?.phase == .live }
        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let truth = await simulator.groundTruthIDs()
        try await probe.eventually("the journal holds the \(truth.count) events of the ground truth, released and delivered") {
            _ = try await probe.checkedCursor()
            let stats = try await journal.stats()
            let delivered = try await journal.outputPosition("files")?.sequence
            return stats.events == Int64(truth.count) && (stats.pending == 0 || row.holdsEventsDatedAhead)
                && delivered == stats.lastSequence
        }
        await journal.close()
        process.terminate()
        try await waitForExit(process)
        #expect(process.terminationStatus == 0, "\(row.name): SIGTERM exits 0; see \(log)")
        await simulator.stop()

        let records = try ndjsonRecords(in: dir.path + "/out")
        let ids = records.compactMap { $0["event"]?["id"]?.stringValue }
        #expect(ids.count == Set(ids).count, "\(row.name): no event twice (\(ids.count - Set(ids).count) duplicates)")
        #expect(Set(ids).isSubset(of: truth))
        let held = truth.subtracting(ids)
        // Events dated ahead of this host's clock (Twilio ahead) wait in the journal until the
        // host's clock reaches their date — a skew of +S delays them by S — but a clean stop
        // releases and delivers them.
        #expect(held.isEmpty, "\(row.name): \(held.count) events lost")
        // A Monitor event is late when it became visible in the API after the poll that covered
        // its time (the merge does not hold the stream back by lookback): only those may be late.
        let late = records.filter { $0["forwarder"]?["late"] == .bool(true) }.count
        print("\(row.name): \(late) of \(ids.count) events released late")
        #expect(late <= ids.count / 10, "\(row.name): \(late) of \(ids.count) events were released late")
        let parts = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").filter { $0.hasSuffix(".part") }
        #expect(parts.isEmpty)
    }
}

/// What a matrix row observes of the running forwarder: its cursor against the journal and the
/// ground truth, `/status`, its log and whether it still runs.
struct FaultProbe {
    var row: MonitorFault
    var simulator: TwilioSimulator
    var journal: Journal
    var process: Process
    var readyURL: String
    var log: String

    /// Waits for `condition`, failing early (with the log's tail) if the forwarder exits.
    func eventually(timeout: Duration = .seconds(40), _ message: String, _ condition: () async throws -> Bool) async throws {
        try await EndToEndTests.eventually(timeout: timeout, "\(row.name): \(message); log: \(logTail())") {
            guard process.isRunning else {
                throw TestFailure("\(row.name): the forwarder exited with status \(process.terminationStatus) while waiting for \(message); log: \(logTail())")
            }
            return try await condition()
        }
    }

    /// Backfilled, live and ready.
    func goLive() async throws {
        try await eventually("the backfill completes and /status answers 200") {
            guard try await checkedCursor()?.phase == .live else { return false }
            return try await readiness().status == 200
        }
    }

    /// Under `transient` faults (or none, for a standing condition such as clock skew) windows
    /// keep completing: waits for four new watermarks, checking the cursor against the journal
    /// at each. A clock skew must leave the forwarder ready throughout.
    func cursorMovesUnder(transient: String?) async throws {
        if let transient { await simulator.setFaults(try FaultSpec(parsing: transient)) }
        var watermarks: Set<Timestamp> = []
        try await eventually("four windows complete under \(transient ?? "the skew")") {
            if let watermark = try await checkedCursor()?.watermark { watermarks.insert(watermark) }
            if transient == nil {
                let ready = try await readiness()
                #expect(ready.status == 200, "\(row.name): /status stays 200 under a skew: \(ready.body)")
            }
            let injected = await simulator.stats().faultsInjected.values.reduce(0, +)
            return watermarks.count >= 5 && (transient == nil || injected >= 3)
        }
    }

    /// While nothing gets through: `/status` 503 naming `source:monitor` with the row's phrase,
    /// one log line with it, the forwarder still running and its cursor covered by the journal.
    func reportsPersistentFault() async throws {
        let phrase = try #require(row.phrase)
        try await eventually("/status answers 503 naming source:monitor with \"\(phrase)\"") {
            let ready = try await readiness()
            let monitor = try JSONReader.parse(Array(ready.body.utf8))["components"]?["source:monitor"]
            return ready.status == 503 && monitor?["ready"] == .bool(false)
                && monitor?["detail"]?.stringValue?.contains(phrase) == true
        }
        try await eventually("a log line says \"\(phrase)\"") { logLines().contains { $0.contains(phrase) } }
        _ = try await checkedCursor()
        #expect(process.isRunning, "\(row.name): the forwarder keeps running under the fault")
    }

    /// The stored cursor, after checking that every visible ground-truth event older than its
    /// watermark is in the journal. Read in this order — cursor, ground truth, journal — so each
    /// read sees at least what the one before it promised.
    @discardableResult
    func checkedCursor() async throws -> MonitorCursor? {
        guard let bytes = try await journal.checkpoint(of: .monitor) else { return nil }
        let cursor = try #require(MonitorCursor(encoded: bytes), "\(row.name): the stored cursor decodes")
        guard let watermark = cursor.watermark else { return cursor }
        let claimed = try await groundTruth().filter { $0.time < watermark }
        let stored = try await storedMonitorIDs(before: watermark)
        let missing = claimed.filter { !stored.contains($0.sid) }
        #expect(missing.isEmpty, """
            \(row.name): the cursor (\(cursor)) is ahead of the journal: \(missing.count) of the \(claimed.count) \
            events before its watermark are not stored, e.g. \(missing.prefix(3).map { "\($0.sid) at \($0.time.rfc3339)" })
            """)
        return cursor
    }

    /// Sid and time of every event the simulator's API would return now.
    func groundTruth() async throws -> [(sid: String, time: Timestamp)] {
        try await simulator.groundTruthLines().map { line in
            let object = try JSONReader.parse(Array(line.utf8))
            guard let sid = object["sid"]?.stringValue, let date = object["event_date"]?.stringValue,
                  let time = Timestamp(iso8601: date)
            else { throw TestFailure("ground-truth line without sid or event_date: \(line)") }
            return (sid, time)
        }
    }

    /// Ids of the Monitor events in the journal dated before `end`.
    func storedMonitorIDs(before end: Timestamp) async throws -> Set<String> {
        var ids = Set<String>()
        var after: MergeKey?
        while true {
            let batch = try await journal.events(from: .distantPast, to: end, origin: .monitor, afterKey: after, limit: 5000)
            guard let last = batch.last else { return ids }
            for stored in batch { ids.insert(stored.event.id) }
            after = MergeKey(time: last.event.time, key: last.event.dedupKey)
        }
    }

    func readiness() async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: readyURL), timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    func logLines() -> [Substring] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    func logTail() -> String {
        logLines().suffix(8).joined(separator: "\n")
    }
}
