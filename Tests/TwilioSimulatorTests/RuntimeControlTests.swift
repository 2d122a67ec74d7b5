import AsyncHTTPClient
import Foundation
import Testing
@testable import TwilioSimulator

@Suite("Faults, credentials and clock changed while the simulator runs")
struct RuntimeControlTests {
    @Test("setFaults takes effect on the next request, and FaultSpec.none clears it")
    func faultsAtRuntime() async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 50)) { simulator in
            #expect(try await get(simulator, "/v1/Events").status == 200)
            await simulator.setFaults(try FaultSpec(parsing: "500=1"))
            #expect(await simulator.faults() == FaultSpec(rates: [.internalError: 1]))
            for _ in 0..<5 {
                let result = try await get(simulator, "/v1/Events")
                #expect(result.status == 500 && result.json?["code"] as? Int == 20500)
            }
            await simulator.setFaults(.none)
            #expect(try await get(simulator, "/v1/Events").status == 200)
            #expect(await simulator.stats().faultsInjected == ["500": 5])
        }
    }

    @Test("429+retry-after always sends Retry-After, 429-retry-after never does")
    func retryAfterVariants() async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 50)) { simulator in
            for (spec, header) in [("429+retry-after=1", "1"), ("429-retry-after=1", nil)] {
                await simulator.setFaults(try FaultSpec(parsing: spec))
                for _ in 0..<8 {
                    let result = try await get(simulator, "/v1/Events")
                    #expect(result.status == 429 && result.json?["code"] as? Int == 20429, "\(spec)")
                    #expect(result.header("Retry-After") == header, "\(spec)")
                }
            }
        }
    }

    @Test("page404 answers only next_page_urls, with Twilio's 20404 for an unknown resource; first pages stay fine")
    func pageNotFound() async throws {
        var configuration = quietConfiguration(days: 1, perDay: 300)
        configuration.faults = try FaultSpec(parsing: "page404=1")
        try await withSimulator(configuration) { simulator in
            for _ in 0..<5 {
                let first = try await get(simulator, "/v1/Events?PageSize=50")
                #expect(first.status == 200)
                let meta = try #require(first.json?["meta"] as? [String: Any])
                let next = try #require(meta["next_page_url"] as? String)
                let refused = try await get(simulator, next)
                #expect(refused.status == 404)
                let body = try #require(refused.json)
                #expect(body["code"] as? Int == 20404 && body["status"] as? Int == 404)
                #expect(body["message"] as? String == "The requested resource /v1/Events was not found")
                #expect(body["more_info"] as? String == "https://www.twilio.com/docs/errors/20404")
            }
            #expect(await simulator.stats().faultsInjected == ["page404": 5])

            await simulator.setFaults(.none)
            let (events, pages) = try await listAll(simulator, query: "PageSize=50")
            let truth = await simulator.groundTruthIDs()
            #expect(pages == 6 && Set(sids(events)) == truth)
        }
    }

    @Test("page404 is drawn on its own: it does not count towards the total of 1, and parses beside the others")
    func pageNotFoundParsing() throws {
        let spec = try FaultSpec(parsing: "page404=1,500=0.5,503=0.5")
        #expect(spec.rates == [.pageNotFound: 1, .internalError: 0.5, .unavailable: 0.5])
        #expect(spec.totalRate == 1)
        #expect(spec.description == "500=0.5,503=0.5,page404=1.0")
        #expect(try FaultSpec(parsing: "0.6").rates[.pageNotFound] == nil, "a plain rate leaves page404 out")
        let error = #expect(throws: SimulatorConfigurationError.self) { try FaultSpec(parsing: "page404=2") }
        #expect(error?.message.contains("\"2\"") == true)
    }

    @Test("revoked credentials refuse every /v1 request with 401 and 20003 until restored; ground truth stays open")
    func revokedCredentials() async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 50)) { simulator in
            let sid = try #require(await simulator.groundTruthIDs().first)
            await simulator.setFaults(try FaultSpec(parsing: "503=1"))
            await simulator.revokeCredentials()
            for path in ["/v1/Events", "/v1/Events/\(sid)", "/v1/Events?PageSize=5&PageToken=PTbogus"] {
                for credentials in [Credentials.account, .apiKey] {
                    let result = try await get(simulator, path, credentials: credentials)
                    #expect(result.status == 401, "\(path)")
                    #expect(result.json?["code"] as? Int == 20003 && result.json?["message"] as? String == "Authenticate")
                    #expect(result.header("WWW-Authenticate") == "Basic realm=\"Twilio API\"")
                }
            }
            #expect(try await get(simulator, "/simulator/events", credentials: .none).status == 200)
            #expect(await simulator.stats().unauthorizedRequests == 6)
            #expect(await simulator.stats().faultsInjected.isEmpty, "faults do not reach a revoked request")

            await simulator.setFaults(.none)
            await simulator.restoreCredentials()
            #expect(try await get(simulator, "/v1/Events").status == 200)
            #expect(try await get(simulator, "/v1/Events/\(sid)").status == 200)
            #expect(try await get(simulator, "/v1/Events", credentials: .wrongPassword).status == 401)
        }
    }

    @Test("a clock offset dates the history's end and new events, and moves what is visible")
    func clockOffset() async throws {
        var configuration = quietConfiguration(days: 1, perDay: 20_000)
        configuration.historyEnd = nil
        configuration.clockOffset = .seconds(90)
        try await withSimulator(configuration) { simulator in
            let host = Date().timeIntervalSince1970
            let simulated = (await simulator.now()).timeIntervalSince1970
            let hostAfter = Date().timeIntervalSince1970
            #expect(simulated >= host + 89.99 && simulated <= hostAfter + 90.01)
            #expect(await simulator.clockOffset() == .seconds(90))

            // The history ends at the simulated start: its newest events lie in this host's future.
            let newest = try #require(try await newestEventDate(simulator))
            #expect(newest > host + 60 && newest <= simulated + 1)

            // Added events carry the simulated time.
            let addedAfter = Date().timeIntervalSince1970
            let added = try #require(await simulator.addEvents(count: 1).first)
            let addedBefore = Date().timeIntervalSince1970
            let fetched = try await get(simulator, "/v1/Events/\(added)")
            let addedDate = try #require(try #require(fetched.json?["event_date"] as? String).flatMap(parseDate))
            #expect(addedDate >= addedAfter + 89 && addedDate <= addedBefore + 90)

            // Behind the host by an hour: what the simulated clock has not reached yet is hidden.
            let before = await simulator.groundTruthIDs()
            await simulator.setClockOffset(.seconds(-3600))
            let hidden = await simulator.groundTruthIDs()
            #expect(hidden.count < before.count && hidden.isSubset(of: before) && !hidden.contains(added))
            // The simulated clock moves on while we look, so bracket each view by ground truths.
            let listed = Set(sids(try await listAll(simulator, query: "PageSize=1000").events))
            let stats = await simulator.stats()
            let hiddenAfter = await simulator.groundTruthIDs()
            #expect(hidden.isSubset(of: listed) && listed.isSubset(of: hiddenAfter))
            #expect(stats.visibleEvents + stats.pendingEvents == before.count && stats.pendingEvents >= before.count - hiddenAfter.count)
            #expect(try await get(simulator, "/v1/Events/\(added)").status == 404)

            let behindAfter = Date().timeIntervalSince1970
            let behind = try #require(await simulator.addEvents(count: 1).first)
            let behindBefore = Date().timeIntervalSince1970
            let behindText = try #require(try await get(simulator, "/v1/Events/\(behind)").json?["event_date"] as? String)
            let behindDate = try #require(parseDate(behindText))
            #expect(behindDate >= behindAfter - 3601 && behindDate <= behindBefore - 3600)

            await simulator.setClockOffset(.seconds(90))
            #expect(await simulator.groundTruthIDs() == before.union([behind]))
            #expect(await simulator.stats().pendingEvents == 0)
        }
    }

    /// `event_date` of the newest listed event, in epoch seconds.
    private func newestEventDate(_ simulator: TwilioSimulator) async throws -> Double? {
        let page = try await get(simulator, "/v1/Events?PageSize=1")
        let events = page.json?["events"] as? [[String: Any]]
        return (events?.first?["event_date"] as? String).flatMap(parseDate)
    }

    private func parseDate(_ text: String) -> Double? {
        ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970
    }
}
