/// What each component last said about its health; `/readyz` and `checkpoint show` read it.
public actor HealthRegistry {
    /// One component's latest report.
    public struct Status: Sendable, Equatable {
        public var healthy: Bool
        public var detail: String
        public var since: Timestamp
        public var lastProgress: Timestamp?
    }

    private var components: [String: Status] = [:]
    private let clock: WallClock

    public init(clock: WallClock = .system) {
        self.clock = clock
    }

    /// The component works; `progress` marks that it moved data forward.
    public func ok(_ component: String, detail: String = "ok", progress: Bool = true) {
        let now = clock.now()
        var status = components[component] ?? Status(healthy: true, detail: detail, since: now, lastProgress: nil)
        if !status.healthy { status.since = now }
        status.healthy = true
        status.detail = detail
        if progress { status.lastProgress = now }
        components[component] = status
    }

    /// The component is failing, with a sentence saying why.
    public func failing(_ component: String, reason: String) {
        let now = clock.now()
        var status = components[component] ?? Status(healthy: false, detail: reason, since: now, lastProgress: nil)
        if status.healthy { status.since = now }
        status.healthy = false
        status.detail = reason
        components[component] = status
    }

    /// Registers a component that has not reported yet, so readiness waits for it.
    public func register(_ component: String) {
        if components[component] == nil {
            components[component] = Status(healthy: true, detail: "starting", since: clock.now(), lastProgress: nil)
        }
    }

    public func snapshot() -> [String: Status] {
        components
    }
}
