import ForwarderCore
import TestSupport
import Testing

@Suite("HealthRegistry readiness")
struct HealthRegistryTests {
    @Test("a component with a progress limit turns unready when quiet too long, and ready again on progress")
    func stall() async {
        let time = ManualClock()
        let health = HealthRegistry(clock: time.clock)
        await health.expectProgress(.monitor, within: .seconds(90))
        await health.register(.monitor)
        await health.register(.eventStreams)
        #expect(await health.readiness().allSatisfy(\.ready))

        time.advance(.seconds(91))
        let stalled = await health.readiness()
        #expect(stalled.map(\.name) == ["source:event_streams", "source:monitor"])
        #expect(stalled[0].ready, "no limit: a webhook receiver may legitimately hear nothing")
        #expect(!stalled[1].ready)
        #expect(stalled[1].detail.hasPrefix("no progress for 91 s (limit 90 s)"))

        await health.ok(.monitor, detail: "live window done")
        #expect(await health.readiness().allSatisfy(\.ready))
        await health.ok(.monitor, detail: "idle", progress: false)
        time.advance(.seconds(100))
        #expect(await !health.readiness()[1].ready, "reports without progress do not reset the limit")
    }

    @Test("a failing component is unready with its reason, whatever its limit")
    func failing() async {
        let health = HealthRegistry(clock: ManualClock().clock)
        await health.expectProgress(.output("siem"), within: .seconds(60))
        await health.failing(.output("siem"), reason: "connection refused by 127.0.0.1:6514")
        #expect(await health.readiness() == [.init(component: .output("siem"), ready: false, detail: "connection refused by 127.0.0.1:6514")])
    }
}
