import TestSupport
import AsyncHTTPClient
import ForwarderCore
import Journal
import Logging
import MonitorPoller
import NIOPosix
import Testing
import TwilioSimulator

/// Records watermarks instead of merging (the poller's only collaborator besides the journal).
actor RecordingReporter: WatermarkReporter {
    var watermarks: [Timestamp] = []
    func report(_ source: SourceID, watermark: Timestamp) { watermarks.append(watermark) }
    func journalChanged(_ arrival: MergeState.Arrival) {}
}

@Suite("Monitor poller against the simulator", .serialized)
struct IncrementalPollTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func makePoller(_ simulator: TwilioSimulator, journal: Journal, http: HTTPClient, pageSize: Int, reporter: RecordingReporter) -> MonitorPoller {
        MonitorPoller(
            client: MonitorClient(http: http, baseURL: simulator.baseURL, username: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", password: "simulator-auth-token"),
            journal: journal,
            settings: .init(pageSize: pageSize, pollInterval: .seconds(1), lookback: .seconds(1), start: .backfill(.seconds(2 * 86_400)), retry: Backoff(initial: .milliseconds(10), maximum: .milliseconds(100))),
            reporter: reporter, logger: logger
        )
    }

    @Test("an incremental poll with K new events makes at most ceil(K / page_size) + 1 requests", arguments: [FilterPrecision.day, .second])
    func incrementalRequests(precision: FilterPrecision) async throws {
        var config = SimulatorConfiguration()
        config.seed = 5
        config.historyDays = 2
        config.historyEventsPerDay = 5000
        config.eventsPerMinute = 0
        config.filterPrecision = precision
        let simulator = try await TwilioSimulator.start(config, logger: logger)
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let reporter = RecordingReporter()
        let pageSize = 1000
        let poller = makePoller(simulator, journal: journal, http: http, pageSize: pageSize, reporter: reporter)

        // Catch up: backfill every settled day, then one live window.
        var cursor = try await poller.loadCursor()
        while true {
            cursor = try #require(try await poller.pollOnce(cursor))
            if cursor.phase == .live { break }
        }
        #expect(try await journal.stats().events == Int64(await simulator.groundTruthIDs().count))

        for k in [1, 999, 1000, 2500] {
            _ = await simulator.addEvents(count: k)
            // Let the new events settle past the lookback (1 s, plus 1 s of event_date rounding),
            // so the overlap of the next window holds only them: the bound assumes an overlap
            // that fits in one page.
            try await Task.sleep(for: .milliseconds(2100))
            await simulator.resetRequestCounters()
            let before = try await journal.stats().events
            cursor = try #require(try await poller.pollOnce(cursor))
            let requests = await simulator.stats().listRequests
            #expect(requests <= (k + pageSize - 1) / pageSize + 1, "K=\(k): \(requests) requests")
            #expect(try await journal.stats().events == before + Int64(k))
        }
        #expect(try await journal.stats().events == Int64(await simulator.groundTruthIDs().count))
        let marks = await reporter.watermarks
        #expect(marks == marks.sorted(), "watermarks never move back")

        try await http.shutdown()
        await journal.close()
        await simulator.stop()
    }

    @Test("401 stops the poller with a message naming the credentials, without moving the cursor")
    func unauthorized() async throws {
        var config = SimulatorConfiguration()
        config.historyDays = 1
        config.eventsPerMinute = 0
        let simulator = try await TwilioSimulator.start(config, logger: logger)
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let poller = MonitorPoller(
            client: MonitorClient(http: http, baseURL: simulator.baseURL, username: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", password: "wrong"),
            journal: journal, settings: .init(MonitorSourceConfig(accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", password: "wrong")),
            reporter: RecordingReporter(), logger: logger
        )
        let cursor = try await poller.loadCursor()
        await #expect {
            _ = try await poller.pollOnce(cursor)
        } throws: { error in
            guard let error = error as? MonitorAPIError else { return false }
            return error.kind == .unauthorized && error.twilioCode == 20003 && error.description.contains("credentials")
        }
        #expect(try await journal.checkpoint(of: .monitor) == nil)
        try await http.shutdown()
        await journal.close()
        await simulator.stop()
    }
}
