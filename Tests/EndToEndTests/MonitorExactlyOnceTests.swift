import Outputs
import TestSupport
import ForwarderCore
import ForwarderRuntime
import Foundation
import Journal
import Testing
import TwilioSimulator

@Suite("Monitor Events end to end: exactly once into gzip NDJSON", .serialized)
struct MonitorExactlyOnceTests {
    @Test("3 days of history, live events, equal timestamps, late visibility and 10 % faults: files equal the ground truth",
          arguments: [FilterPrecision.day, .second])
    func exactlyOnce(precision: FilterPrecision) async throws {
        var simulatorConfig = simulatorConfiguration(seed: 7, days: 3, perDay: 700, perMinute: 900)
        simulatorConfig.filterPrecision = precision
        simulatorConfig.lateVisibleFraction = 0.2
        simulatorConfig.slowResponseDelay = .milliseconds(300)
        simulatorConfig.faults = try FaultSpec(parsing: "0.1")
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: quietLogger)
        let dir = TestDirectory()

        let config = try PipelineConfigLoader.parse(
            yaml: monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path), file: "test.yaml", environment: [:]
        )
        let pipeline = try await PipelineBuilder.build(config, options: .init(shutdownSignals: []), logger: quietLogger)
        let running = Task { try await pipeline.run() }

        // Let it catch up with history while live events keep arriving, then freeze the world.
        try await eventually("history backfilled") { try await pipeline.journal.stats().events >= 2100 }
        await simulator.pauseLiveEvents()
        await simulator.waitUntilAllVisible()
        let truth = await simulator.groundTruthIDs()
        try await eventually("every visible event delivered") {
            let stats = try await pipeline.journal.stats()
            let committed = await pipeline.outputs[0].committedSequence()
            return stats.events == truth.count && stats.pending == 0 && committed == stats.lastSequence
        }
        await pipeline.shutdown()
        try await running.value
        await simulator.stop()

        let ids = try eventIDs(in: dir.path + "/out")
        #expect(ids.count == truth.count, "no duplicates")
        #expect(Set(ids) == truth, "no loss")
        let parts = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").filter { $0.hasSuffix(".part") }
        #expect(parts.isEmpty)
    }
}
