import TestSupport
import AsyncHTTPClient
import ForwarderCore
import Journal
import Logging
import MonitorPoller
import NIOPosix
import Testing
import TwilioSimulator

@Suite("Monitor poller recovering from API faults by itself", .serialized)
struct PollerRecoveryTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A simulator with a day of history and no live events, a poller caught up with it (live),
    /// and what the test needs to drive both.
    struct Rig {
        var simulator: TwilioSimulator
        var journal: Journal
        var http: HTTPClient
        var poller: MonitorPoller
        var cursor: MonitorCursor

        func stop() async throws {
            try await http.shutdown()
            await journal.close()
            await simulator.stop()
        }
    }

    func caughtUp(pageSize: Int = 50, directory: TestDirectory) async throws -> Rig {
        var config = SimulatorConfiguration()
        config.seed = 9
        config.historyDays = 1
        config.historyEventsPerDay = 300
        config.eventsPerMinute = 0
        let simulator = try await TwilioSimulator.start(config, logger: logger)
        let journal = try Journal(directory: directory.path)
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let poller = MonitorPoller(
            client: MonitorClient(http: http, baseURL: simulator.baseURL, username: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", password: "simulator-auth-token"),
            journal: journal,
            settings: .init(pageSize: pageSize, pollInterval: .seconds(1), lookback: .seconds(1), start: .backfill(.seconds(2 * 86_400)),
                            retry: Backoff(initial: .milliseconds(10), maximum: .milliseconds(50))),
            reporter: RecordingReporter(), logger: logger
        )
        var cursor = try await poller.loadCursor()
        while cursor.phase != .live {
            cursor = try #require(try await poller.pollOnce(cursor))
        }
        return Rig(simulator: simulator, journal: journal, http: http, poller: poller, cursor: cursor)
    }

    /// Polls `condition` every 10 ms for up to 30 s.
    func waitFor(_ message: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TimedOut(description: "timed out waiting for \(message)")
    }

    /// A condition that did not come true in time.
    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    @Test("credentials refused after they worked are retried until they work again; the cursor waits meanwhile")
    func revokedMidRun() async throws {
        let dir = TestDirectory()
        let rig = try await caughtUp(directory: dir)
        let stored = try await rig.journal.checkpoint(of: .monitor)
        await rig.simulator.revokeCredentials()
        let poller = rig.poller
        let cursor = rig.cursor
        let window = Task { try await poller.pollOnce(cursor) }
        try await waitFor("three refused requests") { await rig.simulator.stats().unauthorizedRequests >= 3 }
        #expect(try await rig.journal.checkpoint(of: .monitor) == stored)
        let added = await rig.simulator.addEvents(count: 5)
        await rig.simulator.restoreCredentials()
        let next = try #require(try await window.value)
        #expect(next.watermark! >= cursor.watermark!)
        for sid in added { #expect(try await rig.journal.contains(dedupKey: sid)) }
        #expect(try await rig.journal.stats().events == Int64(await rig.simulator.groundTruthIDs().count))
        try await rig.stop()
    }

    @Test("a refused next_page_url starts the window over from its first page, without moving the cursor, until the pages come")
    func refusedNextPage() async throws {
        let dir = TestDirectory()
        let rig = try await caughtUp(directory: dir)
        let stored = try await rig.journal.checkpoint(of: .monitor)
        // 120 events at one instant: the live window needs three pages of 50.
        let added = await rig.simulator.addEvents(count: 120)
        await rig.simulator.setFaults(try FaultSpec(parsing: "page404=1"))
        await rig.simulator.resetRequestCounters()
        let poller = rig.poller
        let cursor = rig.cursor
        let window = Task { try await poller.pollOnce(cursor) }
        try await waitFor("the window started over three times") {
            (await rig.simulator.stats().faultsInjected["page404"] ?? 0) >= 3
        }
        let stats = await rig.simulator.stats()
        #expect(stats.listRequests >= 2 * (stats.faultsInjected["page404"] ?? 0) - 1, "each refused page follows a first page")
        #expect(try await rig.journal.checkpoint(of: .monitor) == stored, "the cursor waits for the whole window")
        await rig.simulator.setFaults(.none)
        _ = try #require(try await window.value)
        for sid in added { #expect(try await rig.journal.contains(dedupKey: sid)) }
        try await rig.stop()
    }
}
