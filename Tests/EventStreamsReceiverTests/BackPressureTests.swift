@testable import EventStreamsReceiver
import ForwarderCore
import Foundation
import Journal
import Logging
import NIOCore
import ServiceLifecycle
import SQLite
import TestSupport
import Testing

@Suite("Back-pressure, shutdown and group commit")
struct BackPressureTests {
    @Test("more deliveries in flight than max_pending_requests get 429 with Retry-After; the held ones then succeed")
    func tooManyInFlight() async throws {
        var config = ReceiverHarness.defaultConfig()
        config.maxPendingRequests = 2
        try await ReceiverHarness.with(config: config) { server in
            await server.receiver.batcher.hold()
            async let first = server.post(SampleEvents.single(id: "held-1"))
            async let second = server.post(SampleEvents.single(id: "held-2"))
            await server.receiver.batcher.waitUntilQueued(2)

            let refused = try await server.post(SampleEvents.single(id: "refused"))
            #expect(refused.status == 429)
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.json?["error"]?.stringValue != nil)

            await server.receiver.batcher.release()
            #expect(try await first.status == 200)
            #expect(try await second.status == 200)
            #expect(try await server.storedEvents().map(\.id).sorted() == ["held-1", "held-2"])
            // The two held deliveries were committed together.
            #expect(await server.receiver.batcher.transactions == 1)
            #expect(try await server.post(SampleEvents.single(id: "after")).status == 200)
        }
    }

    @Test("a commit slower than the response deadline is answered 429 and keeps its place until it ends")
    func slowCommitHoldsItsPlace() async throws {
        var config = ReceiverHarness.defaultConfig()
        config.maxPendingRequests = 1
        try await ReceiverHarness.with(config: config, responseDeadline: .seconds(1)) { server in
            await server.receiver.batcher.hold()
            let first = try await server.post(SampleEvents.single(id: "slow"))
            #expect(first.status == 429)
            #expect(first.header("Retry-After") == "1")
            #expect(first.json?["error"]?.stringValue?.contains("taking too long") == true)
            #expect(try await server.post(SampleEvents.single(id: "other")).status == 429)
            #expect(try await server.storedCount() == 0)
            await server.receiver.batcher.release()
        }
    }

    @Test("a delivery answered 429 for a slow commit still lands, and Twilio's retry is a duplicate")
    func slowCommitStillLands() async throws {
        try await ReceiverHarness.with(responseDeadline: .seconds(1)) { server in
            let body = SampleEvents.single(id: "slow")
            await server.receiver.batcher.hold()
            #expect(try await server.post(body).status == 429)
            await server.receiver.batcher.release()
            let retry = try await server.post(body)
            #expect(retry.status == 200)
            #expect(retry.body == #"{"accepted":0,"duplicates":1}"#)
            #expect(try await server.storedEvents().map(\.id) == ["slow"])
        }
    }

    @Test("a journal failure is answered 503 with Retry-After, never 4xx, and health reports it")
    func journalFailure() async throws {
        try await ReceiverHarness.with { server in
            let body = SampleEvents.single(id: "refused-by-journal")
            // A second connection makes every insert fail, as a full disk or a broken file would.
            let sabotage = try SQLiteConnection(path: server.journal.path)
            try sabotage.execute("CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected'); END;")
            let refused = try await server.post(body)
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") == "1")
            #expect(await server.health.snapshot()[EventStreamsReceiver.healthComponent]?.healthy == false)

            try sabotage.execute("DROP TRIGGER refuse;")
            sabotage.close()
            #expect(try await server.post(body).status == 200)
            #expect(await server.health.snapshot()[EventStreamsReceiver.healthComponent]?.healthy == true)
            #expect(try await server.storedCount() == 1)
        }
    }

    @Test("while stopping, deliveries get 429 with Retry-After and health says so; the watermark trails the clock by allowed_delay")
    func stopping() async throws {
        let now = Timestamp(epochMilliseconds: 1_800_000_000_000)
        var config = ReceiverHarness.defaultConfig()
        config.allowedDelay = .seconds(30)
        try await ReceiverHarness.with(config: config, clock: WallClock { now }) { server in
            let group = ServiceGroup(services: [server.receiver], gracefulShutdownSignals: [], logger: Logger(label: "test"))
            async let running: Void = group.run()
            await server.reporter.waitForWatermark()
            #expect(await server.reporter.watermarks.first == now.subtracting(.seconds(30)))
            #expect(try await server.post(SampleEvents.single(id: "before-stop")).status == 200)

            await group.triggerGracefulShutdown()
            try await running
            let refused = try await server.post(SampleEvents.single(id: "after-stop"))
            #expect(refused.status == 429)
            #expect(refused.header("Retry-After") == "1")
            #expect(try await server.storedEvents().map(\.id) == ["before-stop"])
            let state = await server.health.snapshot()[EventStreamsReceiver.healthComponent]
            #expect(state?.healthy == false)
        }
    }

    @Test("a delivery still being stored holds the watermark at its arrival, so a slow commit does not make its events late")
    func watermarkWaitsForCommit() async throws {
        let time = ManualClock(Timestamp(epochMilliseconds: 1_800_000_000_000))
        let arrival = time.now
        var config = ReceiverHarness.defaultConfig()
        config.allowedDelay = .seconds(30)
        try await ReceiverHarness.with(config: config, clock: time.clock) { server in
            #expect(server.receiver.watermark() == arrival.subtracting(.seconds(30)))
            await server.receiver.batcher.hold()
            async let held = server.post(SampleEvents.single(id: "slow"))
            await server.receiver.batcher.waitUntilQueued(1)
            time.advance(.seconds(300))
            #expect(server.receiver.watermark() == arrival.subtracting(.seconds(30)))
            await server.receiver.batcher.release()
            let answer = try await held
            #expect(answer.status == 200)
            #expect(server.receiver.watermark() == time.now.subtracting(.seconds(30)))
        }
    }

    @Test("an upload that stalls holds its place but not the watermark; closing it gives the place back")
    func stalledUploadDoesNotHoldTheWatermark() async throws {
        let time = ManualClock(Timestamp(epochMilliseconds: 1_800_000_000_000))
        var config = ReceiverHarness.defaultConfig()
        config.allowedDelay = .seconds(30)
        config.maxPendingRequests = 1
        try await ReceiverHarness.with(config: config, clock: time.clock) { server in
            let query = "bodySHA256=00"
            let head = "POST \(server.config.path)?\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 5000\r\n"
                + "X-Twilio-Signature: \(server.sign(server.publicURL + "?" + query))"
            let upload = try await RawHTTPConnection.stalledUpload(port: server.port, head: head, parts: [Array("[{".utf8)])
            // The stalled delivery has the only place: another one is refused for now.
            var waiting = 0
            for _ in 0..<200 where waiting != 429 {
                waiting = try await server.post(SampleEvents.single(id: "waiting")).status
                if waiting != 429 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(waiting == 429)
            time.advance(.seconds(300))
            #expect(server.receiver.watermark() == time.now.subtracting(.seconds(30)), "the mark moves on")
            try await upload.close()
            var status = 0
            for _ in 0..<200 where status != 200 {
                status = try await server.post(SampleEvents.single(id: "after")).status
                if status != 200 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(status == 200, "the place is given back once the client is gone")
        }
    }

    @Test("16 concurrent clients posting batches of 50 share journal transactions")
    func groupCommit() async throws {
        try await ReceiverHarness.with { server in
            let clients = 16
            let rounds = 10
            let batcher = server.receiver.batcher

            // A deterministic first wave: all 16 deliveries queue behind a held batcher, one commit takes them.
            await batcher.hold()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        try await server.post(SampleEvents.batch(ids: (0..<50).map { "wave-\(client)-\($0)" })).status
                    }
                }
                await batcher.waitUntilQueued(clients)
                await batcher.release()
                for try await status in group { #expect(status == 200) }
            }
            #expect(await batcher.transactions == 1)

            // Free running: each client posts its batches one after another.
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var statuses: [Int] = []
                        for round in 0..<rounds {
                            let ids = (0..<50).map { "c\(client)-r\(round)-\($0)" }
                            statuses.append(try await server.post(SampleEvents.batch(ids: ids)).status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let elapsed = ContinuousClock.now - started
            let requests = clients * rounds
            let transactions = await batcher.transactions - 1
            #expect(statuses.count == requests)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(try await server.storedCount() == Int64((requests + clients) * 50))
            #expect(transactions < requests, "group commit should share transactions between requests")
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("group commit: \(requests) requests × 50 events in \(String(format: "%.2f", seconds)) s "
                  + "= \(String(format: "%.0f", Double(requests) / seconds)) requests/s, "
                  + "\(transactions) transactions (\(String(format: "%.2f", Double(transactions) / Double(requests))) per request)")
        }
    }
}
