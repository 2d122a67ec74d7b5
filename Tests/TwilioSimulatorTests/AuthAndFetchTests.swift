import Foundation
import Testing
@testable import TwilioSimulator

@Suite("Authentication, fetch and determinism")
struct AuthAndFetchTests {
    @Test("no or wrong credentials answer 401 with Twilio's body and challenge", arguments: [Credentials.none, .wrongPassword])
    func unauthorized(credentials: Credentials) async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 10)) { simulator in
            let result = try await get(simulator, "/v1/Events", credentials: credentials)
            #expect(result.status == 401)
            #expect(result.header("WWW-Authenticate") == "Basic realm=\"Twilio API\"")
            let json = try #require(result.json)
            #expect(json["code"] as? Int == 20003)
            #expect(json["message"] as? String == "Authenticate")
            #expect(json["more_info"] as? String == "https://www.twilio.com/docs/errors/20003")
            #expect(json["status"] as? Int == 401)
            let stats = await simulator.stats()
            #expect(stats.requests == 1 && stats.unauthorizedRequests == 1)
        }
    }

    @Test("the account sid and any SK key are accepted with the auth token", arguments: [Credentials.account, .apiKey])
    func authorized(credentials: Credentials) async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 10)) { simulator in
            let result = try await get(simulator, "/v1/Events", credentials: credentials)
            #expect(result.status == 200)
        }
    }

    @Test("fetch by sid returns the listed object; unknown sids answer 404")
    func fetch() async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 50)) { simulator in
            let lines = await simulator.groundTruthLines()
            let line = try #require(lines.dropFirst(7).first)
            let expected = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let sid = try #require(expected["sid"] as? String)
            let fetched = try await get(simulator, "/v1/Events/\(sid)")
            #expect(fetched.status == 200)
            #expect(NSDictionary(dictionary: try #require(fetched.json)).isEqual(to: expected))
            #expect(expected["url"] as? String == "\(simulator.baseURL)/v1/Events/\(sid)")

            let unknown = "AE" + String(repeating: "0", count: 32)
            let missing = try await get(simulator, "/v1/Events/\(unknown)")
            #expect(missing.status == 404)
            let json = try #require(missing.json)
            #expect(json["code"] as? Int == 20404)
            #expect(json["message"] as? String == "The requested resource /v1/Events/\(unknown) was not found")
            #expect(json["more_info"] as? String == "https://www.twilio.com/docs/errors/20404")
            #expect(try await get(simulator, "/v1/Events/not-a-sid").status == 404)
            let stats = await simulator.stats()
            #expect(stats.fetchRequests == 3 && stats.listRequests == 0)
        }
    }

    @Test("the same seed gives the same events; another seed different ones")
    func determinism() async throws {
        let first = try await withSimulator(quietConfiguration(seed: 42)) { ($0, await $0.groundTruthLines(), await $0.groundTruthIDs()) }
        let again = try await withSimulator(quietConfiguration(seed: 42)) { await $0.groundTruthLines() }
        let other = try await withSimulator(quietConfiguration(seed: 43)) { await $0.groundTruthIDs() }
        func stripPorts(_ lines: [String]) -> [String] {
            lines.map { $0.replacingOccurrences(of: #"http://127\.0\.0\.1:\d+"#, with: "BASE", options: .regularExpression) }
        }
        #expect(first.1.count == 1200)
        #expect(stripPorts(first.1) == stripPorts(again))
        #expect(first.2.isDisjoint(with: other))
    }

    @Test("events carry Twilio's fields and realistic variety")
    func eventShapes() async throws {
        try await withSimulator(quietConfiguration(days: 2, perDay: 1000)) { simulator in
            let events = await groundTruthObjects(simulator)
            let lines = await simulator.groundTruthLines()
            #expect(events.count == lines.count, "every line is valid JSON")
            let keys: Set<String> = ["account_sid", "actor_sid", "actor_type", "description", "event_data", "event_date",
                                     "event_type", "resource_sid", "resource_type", "sid", "source", "source_ip_address", "url", "links"]
            #expect(events.allSatisfy { Set($0.keys) == keys })
            for event in events {
                let source = event["source"] as? String
                switch source {
                case "api":
                    #expect(event["actor_type"] as? String == "account")
                    #expect((event["actor_sid"] as? String)?.hasPrefix("AC") == true)
                case "web":
                    #expect(event["actor_type"] as? String == "user")
                    #expect((event["actor_sid"] as? String)?.hasPrefix("US") == true)
                case "twilio":
                    #expect(event["actor_type"] as? String == "twilio-admin")
                    #expect(event["actor_sid"] is NSNull && event["source_ip_address"] is NSNull)
                default:
                    Issue.record("unexpected source \(String(describing: source))")
                }
                let sid = event["sid"] as? String ?? ""
                #expect(sid.count == 34 && sid.hasPrefix("AE") && sid.dropFirst(2).allSatisfy { "0123456789abcdef".contains($0) })
                let type = event["event_type"] as? String ?? ""
                #expect(type.hasPrefix((event["resource_type"] as? String ?? "?") + "."))
            }
            let descriptions = events.compactMap { $0["description"] as? String }
            #expect(events.contains { $0["description"] is NSNull })
            #expect(descriptions.contains { $0.contains("\n") && $0.contains("日本") })
            #expect(descriptions.contains { $0.contains("\\") && $0.contains("\"") })
            #expect(descriptions.contains { $0.contains("é") })
            #expect(events.contains { $0["event_data"] is NSNull })
            #expect(events.contains { (($0["event_data"] as? [String: Any])?["resource_properties"]) != nil })
            #expect(events.contains { $0["links"] is NSNull })
            #expect(events.contains { ($0["source_ip_address"] as? String)?.contains(":") == true })
            #expect(Set(events.compactMap { $0["event_type"] as? String }).count > 30)
            let dates = events.compactMap { $0["event_date"] as? String }
            #expect(Set(dates).count < dates.count, "some events share a timestamp")
            #expect(dates.allSatisfy { $0.count == 20 && $0.hasSuffix("Z") })
        }
    }
}
