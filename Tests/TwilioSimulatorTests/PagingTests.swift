import Foundation
import Testing
@testable import TwilioSimulator

@Suite("Monitor listing and paging")
struct PagingTests {
    @Test("paging newest-first through a whole day gives the same set without duplicates", arguments: [1000, 7])
    func pagesThroughOneDay(pageSize: Int) async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let (events, pages) = try await listAll(simulator, query: "StartDate=2026-11-18&EndDate=2026-11-18&PageSize=\(pageSize)")
            let ids = sids(events)
            #expect(Set(ids).count == ids.count, "duplicates across pages")
            let expected = await groundTruthObjects(simulator).filter {
                ($0["event_date"] as? String)?.hasPrefix("2026-11-18") == true
            }
            #expect(Set(ids) == Set(sids(expected)))
            #expect(ids.count >= 300)
            #expect(pages == (ids.count + pageSize - 1) / pageSize)
            assertNewestFirst(events)
        }
    }

    @Test("the ground truth equals the union of all pages, object for object")
    func groundTruthEqualsUnionOfPages() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let (events, _) = try await listAll(simulator, query: "PageSize=1000")
            let truth = await groundTruthObjects(simulator)
            #expect(sids(events) == sids(truth))
            for (listed, expected) in zip(events, truth) {
                #expect(NSDictionary(dictionary: listed).isEqual(to: expected))
            }
            let http = try await get(simulator, "/simulator/events", credentials: .none)
            #expect(http.status == 200)
            #expect(http.header("Content-Type") == "application/x-ndjson")
            let lines = http.text.split(separator: "\n").map(String.init)
            #expect(lines == (await simulator.groundTruthLines()))
            #expect(await simulator.groundTruthIDs() == Set(sids(truth)))
        }
    }

    @Test("list responses have Twilio's meta block with absolute URLs")
    func metaShape() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let first = try #require(try await get(simulator, "/v1/Events?PageSize=5&EventType=call.deleted").json)
            let meta = try #require(first["meta"] as? [String: Any])
            #expect(meta["page"] as? Int == 0)
            #expect(meta["page_size"] as? Int == 5)
            #expect(meta["key"] as? String == "events")
            #expect(meta["previous_page_url"] is NSNull)
            #expect((meta["first_page_url"] as? String)?.hasPrefix(simulator.baseURL + "/v1/Events?") == true)
            #expect((meta["url"] as? String)?.contains("EventType=call.deleted") == true)
            let next = try #require(meta["next_page_url"] as? String)
            #expect(next.contains("PageToken=") && next.contains("Page=1") && next.contains("EventType=call.deleted"))
            let events = try #require(first["events"] as? [[String: Any]])
            #expect(events.count == 5 && events.allSatisfy { $0["event_type"] as? String == "call.deleted" })

            let second = try #require(try await get(simulator, next).json)
            let secondMeta = try #require(second["meta"] as? [String: Any])
            #expect(secondMeta["page"] as? Int == 1)
            let previous = try #require(secondMeta["previous_page_url"] as? String)
            let back = try #require(try await get(simulator, previous).json)
            #expect(sids(try #require(back["events"] as? [[String: Any]])) == sids(events))
        }
    }

    @Test("default page size is 50; above 1000 and a bad PageToken answer 400")
    func pageSizeLimits() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let page = try #require(try await get(simulator, "/v1/Events").json)
            #expect((page["events"] as? [Any])?.count == 50)
            let tooBig = try await get(simulator, "/v1/Events?PageSize=1001")
            #expect(tooBig.status == 400)
            #expect(tooBig.json?["status"] as? Int == 400)
            #expect(tooBig.json?["code"] as? Int == 20001)
            let badToken = try await get(simulator, "/v1/Events?PageSize=5&Page=1&PageToken=garbage")
            #expect(badToken.status == 400)
            #expect((badToken.json?["message"] as? String)?.contains("PageToken") == true)
        }
    }

    @Test("more than one field filter answers 400 in Twilio's shape")
    func combinedFilters() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let actor = simulator.configuration.accountSid
            let result = try await get(simulator, "/v1/Events?ActorSid=\(actor)&ResourceSid=\(actor)")
            #expect(result.status == 400)
            let json = try #require(result.json)
            #expect(json["code"] as? Int == 400)
            #expect(json["status"] as? Int == 400)
            #expect((json["message"] as? String)?.hasPrefix("Invalid combination of AuditEvent filters") == true)
            #expect(json["more_info"] as? String == "https://www.twilio.com/docs/errors/400")
            let three = try await get(simulator, "/v1/Events?EventType=call.deleted&SourceIpAddress=1.2.3.4&ResourceType=call")
            #expect(three.status == 400)
        }
    }

    @Test("each single field filter returns exactly the matching events")
    func singleFilters() async throws {
        try await withSimulator(quietConfiguration(), checkSingleFilters)
    }

    private func checkSingleFilters(_ simulator: TwilioSimulator) async throws {
        let truth = await groundTruthObjects(simulator)
        let sample = try #require(truth.first { $0["source"] as? String == "web" })
        let fields = ["ActorSid": "actor_sid", "EventType": "event_type", "ResourceSid": "resource_sid",
                      "ResourceType": "resource_type", "SourceIpAddress": "source_ip_address"]
        let cases = fields.map { name, field in (name, sample[field] as? String ?? "") }
        for (name, value) in cases {
            let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
            let listed = try await listAll(simulator, query: "\(name)=\(encoded)&PageSize=1000").events
            let expected = truth.filter { $0[fields[name]!] as? String == value }
            #expect(sids(listed) == sids(expected), "\(name)=\(value)")
            #expect(!listed.isEmpty)
        }
    }

    @Test("new events appear only on page 0 of a new listing; an open listing stays stable")
    func stablePagingWhileEventsArrive() async throws {
        try await withSimulator(quietConfiguration(days: 1, perDay: 300)) { simulator in
            let before = await simulator.groundTruthIDs()
            let first = try #require(try await get(simulator, "/v1/Events?PageSize=10").json)
            var collected = sids(try #require(first["events"] as? [[String: Any]]))
            var next = (first["meta"] as? [String: Any])?["next_page_url"] as? String
            let added = await simulator.addEvents(count: 5)
            #expect(added.count == 5 && Set(added).count == 5)
            while let url = next {
                let page = try #require(try await get(simulator, url).json)
                collected.append(contentsOf: sids(try #require(page["events"] as? [[String: Any]])))
                next = (page["meta"] as? [String: Any])?["next_page_url"] as? String
            }
            #expect(Set(collected) == before && collected.count == before.count)

            let fresh = try #require(try await get(simulator, "/v1/Events?PageSize=50").json)
            let page0 = sids(try #require(fresh["events"] as? [[String: Any]]))
            #expect(Set(added).isSubset(of: Set(page0.prefix(10))))
            let dates = Set((try #require(fresh["events"] as? [[String: Any]]))
                .filter { added.contains($0["sid"] as! String) }.map { $0["event_date"] as! String })
            #expect(dates.count < added.count, "some added events share a timestamp")
        }
    }

    private func assertNewestFirst(_ events: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
        let keys = events.map { ($0["event_date"] as? String ?? "", $0["sid"] as? String ?? "") }
        for (newer, older) in zip(keys, keys.dropFirst()) {
            #expect(newer.0 > older.0 || (newer.0 == older.0 && newer.1 > older.1), sourceLocation: sourceLocation)
        }
    }
}
