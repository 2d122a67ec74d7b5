import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import TwilioSimulator

@Suite("Fault injection")
struct FaultTests {
    @Test("the fault spec parses both forms and names the bad part")
    func parsing() throws {
        let even = try FaultSpec(parsing: "0.6")
        #expect(even.rates.count == 6 && even.rates.values.allSatisfy { abs($0 - 0.1) < 1e-12 })
        let listed = try FaultSpec(parsing: "429=0.05,500=0.03,503=0.01,slow=0.01,reset=0.02,truncate=0.01")
        #expect(listed.rates == [.tooManyRequests: 0.05, .internalError: 0.03, .unavailable: 0.01, .slow: 0.01, .reset: 0.02, .truncate: 0.01])
        let variants = try FaultSpec(parsing: "429+retry-after=0.2, 429-retry-after=0.3, page404=0.5")
        #expect(variants.rates == [.tooManyRequestsWithRetryAfter: 0.2, .tooManyRequestsWithoutRetryAfter: 0.3, .pageNotFound: 0.5])
        #expect(try FaultSpec(parsing: "") == .none)
        #expect(try FaultSpec(parsing: "0") == .none)
        for (bad, mention) in [("404=0.1", "\"404\""), ("429=lots", "\"lots\""), ("reset", "\"reset\""), ("1.5", "\"1.5\""),
                               ("429=0.7,500=0.7", "more than 1"), ("429=0.1,429=0.2", "repeats")] {
            let error = #expect(throws: SimulatorConfigurationError.self) { try FaultSpec(parsing: bad) }
            #expect(error?.message.contains(mention) == true, "\(bad): \(error?.message ?? "no error")")
        }
    }

    @Test("with faults 0.5 a client sees every kind, and /simulator routes never fault")
    func everyKindIsSeen() async throws {
        var configuration = quietConfiguration(days: 1, perDay: 200)
        configuration.faults = try FaultSpec(parsing: "0.5")
        configuration.slowResponseDelay = .milliseconds(300)
        try await withSimulator(configuration) { simulator in
            var seen: Set<String> = []
            var requests = 0
            while seen.count < 8, requests < 1500 {
                requests += 1
                seen.formUnion(try await observe(simulator, slowThreshold: .milliseconds(300)))
            }
            #expect(seen == ["429+retry-after", "429", "500", "503", "slow", "reset", "truncate", "ok"], "after \(requests) requests")
            let stats = await simulator.stats()
            #expect(stats.requests == requests)
            #expect(Set(stats.faultsInjected.keys) == Set(FaultKind.spreadByPlainRate.map(\.rawValue)))

            for path in ["/simulator/stats", "/simulator/events", "/simulator/deliveries", "/simulator/stats"] {
                for _ in 0..<10 {
                    let result = try await get(simulator, path, credentials: .none)
                    #expect(result.status == 200)
                }
            }
            #expect(await simulator.stats().requests == requests)
        }
    }

    /// What one listing request looked like to the client.
    private func observe(_ simulator: TwilioSimulator, slowThreshold: Duration) async throws -> Set<String> {
        var request = HTTPClientRequest(url: simulator.baseURL + "/v1/Events?PageSize=20")
        request.headers.add(name: "Authorization", value: Credentials.account.header(simulator.configuration)!)
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        } catch {
            return ["reset"]
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await response.body.collect(upTo: 16 << 20))
        } catch {
            return response.status.code == 200 ? ["truncate"] : ["broken \(response.status.code)"]
        }
        let elapsed = ContinuousClock.now - started
        let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        switch response.status.code {
        case 200:
            guard json?["events"] != nil else { return ["truncate"] }
            return elapsed >= slowThreshold ? ["slow"] : ["ok"]
        case 429:
            #expect(json?["code"] as? Int == 20429)
            return response.headers["Retry-After"].first == "1" ? ["429+retry-after"] : ["429"]
        case 500:
            #expect(json?["code"] as? Int == 20500 && json?["status"] as? Int == 500)
            return ["500"]
        case 503:
            #expect(response.headers["Content-Type"].first == "application/problem+json")
            #expect(json?["type"] as? String == "https://www.twilio.com/docs/errors/20503")
            #expect(json?["title"] as? String == "Service Unavailable" && json?["status"] as? Int == 503)
            return ["503"]
        default:
            return ["unexpected \(response.status.code)"]
        }
    }
}
