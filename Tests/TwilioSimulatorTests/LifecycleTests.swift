import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import TwilioSimulator

@Suite("Lifecycle and configuration")
struct LifecycleTests {
    @Test("run() returns when its task is cancelled, and the server is gone afterwards")
    func runUntilCancelled() async throws {
        let simulator = try await TwilioSimulator.start(quietConfiguration(days: 1, perDay: 10))
        #expect(simulator.port > 0 && simulator.baseURL == "http://127.0.0.1:\(simulator.port)")
        let stats = try await get(simulator, "/simulator/stats", credentials: .none)
        #expect(stats.json?["requests"] as? Int == 0)
        let running = Task { try await simulator.run() }
        running.cancel()
        try await running.value
        await simulator.stop()  // idempotent
        // Connection refused (the client keeps retrying refused connections until its deadline).
        await #expect(throws: (any Error).self) { try await get(simulator, "/v1/Events", timeout: .seconds(1)) }
    }

    @Test("concurrent stop() calls all return once stopped; run() after stop returns at once")
    func concurrentStops() async throws {
        let simulator = try await TwilioSimulator.start(quietConfiguration(days: 1, perDay: 10))
        async let first: Void = simulator.stop()
        async let second: Void = simulator.stop()
        _ = await (first, second)
        try await simulator.run()
    }

    @Test("a port that is taken makes start() throw")
    func portInUse() async throws {
        let first = try await TwilioSimulator.start(quietConfiguration(days: 1, perDay: 10))
        var configuration = quietConfiguration(days: 1, perDay: 10)
        configuration.port = first.port
        await #expect(throws: (any Error).self) { _ = try await TwilioSimulator.start(configuration) }
        await first.stop()
    }

    @Test("invalid configuration is refused with every problem named")
    func invalidConfiguration() async throws {
        var configuration = quietConfiguration()
        configuration.accountSid = "ACnope"
        configuration.sameTimestampFraction = 2
        configuration.webhookURL = "mailto:someone"
        let error = await #expect(throws: SimulatorConfigurationError.self) { _ = try await TwilioSimulator.start(configuration) }
        let message = error?.message ?? ""
        #expect(message.contains("ACnope") && message.contains("sameTimestampFraction") && message.contains("mailto:someone"))
    }
}
