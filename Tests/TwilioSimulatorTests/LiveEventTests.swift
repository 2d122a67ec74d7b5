import Foundation
import Testing
@testable import TwilioSimulator

@Suite("Live events and eventual visibility")
struct LiveEventTests {
    @Test("late-visible events are absent from listings and ground truth until visible")
    func lateVisibility() async throws {
        var configuration = quietConfiguration(days: 1, perDay: 100)
        configuration.eventsPerMinute = 30_000
        configuration.lateVisibleFraction = 1
        configuration.maxVisibilityDelay = .seconds(6)
        try await withSimulator(configuration) { simulator in
            let deadline = ContinuousClock.now + .seconds(30)
            while await simulator.stats().pendingEvents < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            await simulator.pauseLiveEvents()
            // Events may turn visible while we look, so bracket the listing by two ground truths.
            let visibleBefore = await simulator.groundTruthIDs()
            let listed = Set(sids(try await listAll(simulator, query: "PageSize=1000").events))
            let visibleAfterListing = await simulator.groundTruthIDs()
            #expect(visibleBefore.isSubset(of: listed) && listed.isSubset(of: visibleAfterListing))

            await simulator.waitUntilAllVisible()
            let visibleAtEnd = await simulator.groundTruthIDs()
            let late = visibleAtEnd.subtracting(visibleAfterListing)
            #expect(!late.isEmpty, "some events were still pending during the listing")
            #expect(late.isDisjoint(with: listed))
            let listedAtEnd = Set(sids(try await listAll(simulator, query: "PageSize=1000").events))
            #expect(listedAtEnd == visibleAtEnd)
            #expect(await simulator.stats().pendingEvents == 0)
        }
    }

    @Test("live generation adds events over time and stops while paused")
    func liveGeneration() async throws {
        var configuration = quietConfiguration(days: 1, perDay: 10)
        configuration.eventsPerMinute = 12_000
        configuration.lateVisibleFraction = 0
        try await withSimulator(configuration) { simulator in
            let deadline = ContinuousClock.now + .seconds(30)
            while await simulator.stats().visibleEvents < 30, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            await simulator.pauseLiveEvents()
            let paused = await simulator.groundTruthIDs()
            #expect(paused.count >= 30)
            let added = await simulator.addEvents(count: 3)
            #expect(await simulator.groundTruthIDs() == paused.union(added))
            await simulator.resumeLiveEvents()
            while await simulator.stats().visibleEvents < paused.count + 13, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(await simulator.stats().visibleEvents >= paused.count + 13)
        }
    }

    @Test("every live event is visible within maxVisibilityDelay of its event_date, also when it shares an earlier timestamp")
    func visibilityBound() throws {
        var configuration = quietConfiguration(days: 0, perDay: 0)
        configuration.lateVisibleFraction = 0.5
        configuration.sameTimestampFraction = 0.9
        configuration.maxVisibilityDelay = .seconds(1)
        let catalog = EventCatalog(seed: configuration.seed, accountSid: configuration.accountSid)
        let state = MonitorState(store: EventStore(), catalog: catalog, clock: SimulatorClock(offset: .zero), configuration: configuration)
        var rng = SplitMix64(seed: 3)
        var nowMs: Int64 = 1_795_176_000_000
        var late = 0
        var shared = 0
        var lastDate: Int64?
        for _ in 0..<3000 {
            nowMs += Int64(rng.nextInt(below: 700)) + 1
            let sid = try #require(state.addLiveEvent(nowMs: nowMs))
            let record = try #require(state.visibleRecord(sid: sid, nowMs: .max))
            #expect(record.date <= nowMs / 1000, "never dated after it was made")
            #expect(state.visibleRecord(sid: sid, nowMs: record.date * 1000 + 1000) != nil,
                    "visible at most 1 s after its date (made \(nowMs - record.date * 1000) ms after it)")
            if state.visibleRecord(sid: sid, nowMs: nowMs) == nil { late += 1 }
            if record.date == lastDate { shared += 1 }
            lastDate = record.date
        }
        #expect(late > 300 && shared > 300, "late \(late), shared \(shared)")
    }
}
