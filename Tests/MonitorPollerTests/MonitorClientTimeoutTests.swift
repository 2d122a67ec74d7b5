import AsyncHTTPClient
import Logging
import MonitorPoller
import NIOPosix
import Testing
import TwilioSimulator

@Suite("Monitor client timeouts")
struct MonitorClientTimeoutTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test("a body slower than the request timeout is cut at the timeout and named as such")
    func slowBody() async throws {
        var config = SimulatorConfiguration()
        config.historyDays = 1
        config.historyEventsPerDay = 100
        config.eventsPerMinute = 0
        config.slowResponseDelay = .seconds(4)
        config.faults = try FaultSpec(parsing: "slow=1")
        let simulator = try await TwilioSimulator.start(config, logger: logger)
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let client = MonitorClient(
            http: http, baseURL: simulator.baseURL, username: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", password: "simulator-auth-token",
            requestTimeout: .milliseconds(300)
        )
        let started = ContinuousClock.now
        await #expect {
            _ = try await client.fetchPage(simulator.baseURL + "/v1/Events?PageSize=100")
        } throws: { error in
            guard let error = error as? MonitorAPIError else { return false }
            return error.kind == .transport && error.description.contains("no complete answer within the request timeout of 300ms")
        }
        #expect(ContinuousClock.now - started < .milliseconds(3500), "cut at the timeout, not when the body ends (4 s)")
        try await http.shutdown()
        await simulator.stop()
    }
}
