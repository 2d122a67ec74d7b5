import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import TwilioSimulator

/// `--latency` and `--max-concurrent-requests`: a real page's delay, and Twilio's concurrency
/// limit (429 with 20429 beyond N requests in flight).
@Suite("Simulator pacing")
struct PacingTests {
    @Test("latency parses from the forms the flag takes", arguments: [
        ("200ms", ResponseLatency(mean: .milliseconds(200))),
        ("200ms±50ms", ResponseLatency(mean: .milliseconds(200), jitter: .milliseconds(50))),
        ("1.5s+-0.5s", ResponseLatency(mean: .milliseconds(1500), jitter: .milliseconds(500))),
    ])
    func parsing(text: String, expected: ResponseLatency) throws {
        #expect(try ResponseLatency(parsing: text) == expected)
    }

    @Test("a latency that is not a duration is refused with the part at fault")
    func badLatency() {
        #expect(throws: SimulatorConfigurationError.self) { try ResponseLatency(parsing: "fast") }
        #expect(throws: SimulatorConfigurationError.self) { try ResponseLatency(parsing: "200ms±soon") }
    }

    @Test("every answer waits the mean, give or take the jitter")
    func delays() {
        let latency = ResponseLatency(mean: .milliseconds(200), jitter: .milliseconds(50))
        #expect(latency.delay(unit: 0) == .milliseconds(150))
        #expect(latency.delay(unit: 0.5) == .milliseconds(200))
        #expect(latency.delay(unit: 0.999) <= .milliseconds(250))
    }

    @Test("beyond max-concurrent-requests in flight, requests get 429 with Twilio's 20429; the rest are answered")
    func concurrencyLimit() async throws {
        var configuration = SimulatorConfiguration()
        configuration.historyDays = 1
        configuration.historyEventsPerDay = 10
        configuration.eventsPerMinute = 0
        configuration.latency = ResponseLatency(mean: .milliseconds(300))
        configuration.maxConcurrentRequests = 2
        let simulator = try await TwilioSimulator.start(configuration)
        let url = simulator.baseURL + "/v1/Events?PageSize=5"
        let authorization = "Basic " + Data("\(configuration.accountSid):\(configuration.authToken)".utf8).base64EncodedString()
        let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for _ in 0..<6 {
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.headers.add(name: "Authorization", value: authorization)
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
                }
            }
            var all: [(Int, String)] = []
            for try await answer in group { all.append(answer) }
            return all
        }
        #expect(statuses.filter { $0.0 == 200 }.count == 2)
        let refused = statuses.filter { $0.0 == 429 }
        #expect(refused.count == 4 && refused.allSatisfy { $0.1.contains("20429") })
        #expect(await simulator.stats().concurrencyRefusals == 4)
        await simulator.stop()
    }
}
