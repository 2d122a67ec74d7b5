import Outputs
import TestSupport
import ForwarderCore
import ForwarderRuntime
import Foundation
import Journal
import Testing
import TwilioSimulator

@Suite("Event Streams end to end: signed deliveries through a faulty proxy, merged with Monitor", .serialized)
struct EventStreamsExactlyOnceTests {
    @Test("every delivered CloudEvent exactly once, merged in time order with Monitor events except late rows",
          arguments: [false, true])
    func exactlyOnceThroughFaults(restartMidway: Bool) async throws {
        let proxy = try await FaultProxy(faultRate: 0.1, seed: 11, logger: quietLogger)
        let path = "/webhooks/event-streams"
        let publicURL = "http://127.0.0.1:\(proxy.port)\(path)"

        var simulatorConfig = simulatorConfiguration(seed: 23, days: 1, perDay: 500, perMinute: 600)
        simulatorConfig.webhookURL = publicURL
        simulatorConfig.webhookEventsPerMinute = 1200
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: quietLogger)
        let dir = TestDirectory()

        let yaml = monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path)
            .replacingOccurrences(of: "merge:\n", with: """
                  event_streams:
                    path: \(path)
                    public_url: \(publicURL)
                    auth_token: simulator-auth-token
                    allowed_delay: 1s
                merge:

                """)
        let config = try PipelineConfigLoader.parse(yaml: yaml, file: "test.yaml", environment: [:])
        /// Starts a forwarder on the same state directory and points the proxy at it.
        func startForwarder() async throws -> (Pipeline, Task<Void, any Error>) {
            let pipeline = try await PipelineBuilder.build(config, options: .init(shutdownSignals: []), logger: quietLogger)
            let running = Task { try await pipeline.run() }
            let port = try await eventuallyValue("forwarder listening") {
                let port = await pipeline.listeningPort()
                return port > 0 ? port : nil
            }
            proxy.setTarget("http://127.0.0.1:\(port)")
            return (pipeline, running)
        }
        var (pipeline, running) = try await startForwarder()

        // Bursts like an attack: batched arrays and runs of single deliveries, on top of the
        // steady generator, while Monitor history is backfilled and live events arrive.
        for round in 0..<8 {
            await simulator.sendDelivery(events: 50, batched: true)
            await simulator.sendDelivery(events: 20, batched: false)
            try await eventually(timeout: .seconds(90), "round \(round) acknowledged") {
                await simulator.deliveries().filter(\.acknowledged).count >= (round + 1) * 70 + (restartMidway && round > 3 ? 50 : 0)
            }
            if restartMidway, round == 3 {
                // The forwarder goes away while Twilio keeps delivering: those deliveries fail
                // at the proxy, Twilio retries them, and the next forwarder takes them.
                await pipeline.shutdown()
                try await running.value
                await simulator.sendDelivery(events: 50, batched: true)
                try await eventually("a delivery failed while the forwarder was down") {
                    await simulator.deliveries().contains { !$0.acknowledged && $0.attempts > 1 }
                }
                (pipeline, running) = try await startForwarder()
            }
        }
        await simulator.pauseDeliveries()
        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        await simulator.waitUntilDeliveriesSettled()

        let deliveries = await simulator.deliveries()
        let monitorTruth = await simulator.groundTruthIDs()
        #expect(deliveries.filter { !$0.acknowledged }.isEmpty, "Twilio gave up on no delivery")
        let deliveredIDs = Set(deliveries.map(\.id))
        try await eventually(timeout: .seconds(90), "every event released and written") {
            let stats = try await pipeline.journal.stats()
            let committed = await pipeline.outputs[0].committedSequence()
            return stats.events == monitorTruth.count + deliveredIDs.count && stats.pending == 0
                && committed == stats.lastSequence
        }
        await pipeline.shutdown()
        try await running.value
        await simulator.stop()
        try await proxy.stop()

        let counts = proxy.counts
        #expect(counts.rejectedBeforeForwarder > 0 && counts.answerLost > 0, "the proxy injected both kinds of fault")

        let records = try ndjsonRecords(in: dir.path + "/out")
        let streamIDs = records.filter { $0["event"]?["dataset"]?.stringValue == "twilio.event_streams" }
            .compactMap { $0["event"]?["id"]?.stringValue }
        let monitorIDs = records.filter { $0["event"]?["dataset"]?.stringValue == "twilio.monitor" }
            .compactMap { $0["event"]?["id"]?.stringValue }
        #expect(streamIDs.count == deliveredIDs.count, "no CloudEvent twice, although \(counts.answerLost) answers were lost")
        #expect(Set(streamIDs) == deliveredIDs, "no CloudEvent lost")
        #expect(monitorIDs.count == monitorTruth.count && Set(monitorIDs) == monitorTruth)

        // Released order: by sequence, times never go backwards except on rows flagged late.
        let ordered = records.map { record -> (sequence: Int, time: String, late: Bool, dataset: String) in
            (Int(record["forwarder"]?["sequence"]?.scalarText ?? "") ?? -1,
             record["@timestamp"]?.stringValue ?? "",
             record["forwarder"]?["late"] == .bool(true),
             record["event"]?["dataset"]?.stringValue ?? "")
        }.sorted { $0.sequence < $1.sequence }
        #expect(ordered.map(\.sequence) == Array(1...ordered.count), "sequences are dense: nothing skipped")
        var newest = ""
        var backwards = 0
        for row in ordered where !row.late {
            if row.time < newest { backwards += 1 }
            newest = max(newest, row.time)
        }
        #expect(backwards == 0, "non-late rows are in time order")
        var switches = 0
        for k in 1..<ordered.count where ordered[k].dataset != ordered[k - 1].dataset { switches += 1 }
        #expect(switches >= 4, "the two sources are interleaved, not appended one after the other (\(switches) switches)")
    }
}
