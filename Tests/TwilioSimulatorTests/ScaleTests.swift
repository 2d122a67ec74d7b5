import Foundation
import Testing
@testable import TwilioSimulator

@Suite("Scale")
struct ScaleTests {
    @Test("a 1,000,000-event history builds and serves pages (timings printed, not asserted)")
    func millionEvents() async throws {
        var configuration = quietConfiguration(days: 10, perDay: 100_000)
        configuration.historyEnd = nil
        let rssBefore = residentKilobytes()
        let started = ContinuousClock.now
        try await withSimulator(configuration) { simulator in
            let built = ContinuousClock.now - started
            let rssAfter = residentKilobytes()
            let pageStarted = ContinuousClock.now
            let page = try await get(simulator, "/v1/Events?PageSize=1000&StartDate=\(CivilTime.dateString(Int64(Date().timeIntervalSince1970) - 5 * 86_400))")
            let pageTime = ContinuousClock.now - pageStarted
            #expect(page.status == 200)
            #expect((page.json?["events"] as? [Any])?.count == 1000)
            let stats = await simulator.stats()
            #expect(stats.visibleEvents == 1_000_000)
            print("""
                [scale] 1,000,000 events: start() took \(built); RSS \(rssBefore / 1024) MB -> \(rssAfter / 1024) MB \
                (+\((rssAfter - rssBefore) / 1024) MB); one 1000-event page over HTTP \(pageTime) (\(page.body.count) bytes)
                """)
        }
    }

    @Test("serialising a 1000-event page (timing printed, not asserted)")
    func pageSerialisation() throws {
        let catalog = EventCatalog(seed: 9, accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        let store = EventHistory(seed: 9, days: 1, eventsPerDay: 1000, endSeconds: 1_795_176_000, sameTimestampFraction: 0.15)
            .generate(catalog: catalog)
        var request = EventListRequest()
        request.pageSize = 1000
        let page = store.page(for: request, nowMs: .max, catalog: catalog)
        #expect(page.records.count == 1000)
        let json = EventJSON(catalog: catalog, baseURL: "http://127.0.0.1:8080")
        var bytes = 0
        let started = ContinuousClock.now
        for _ in 0..<20 {
            bytes = EventListingJSON.render(page: page, request: request, json: json, baseURL: "http://127.0.0.1:8080").count
        }
        let each = (ContinuousClock.now - started) / 20
        let parsed = try JSONSerialization.jsonObject(with: Data(
            EventListingJSON.render(page: page, request: request, json: json, baseURL: "http://127.0.0.1:8080")
        )) as? [String: Any]
        #expect((parsed?["events"] as? [Any])?.count == 1000)
        print("[scale] rendering one 1000-event page (\(bytes) bytes) took \(each) per page")
    }
}
