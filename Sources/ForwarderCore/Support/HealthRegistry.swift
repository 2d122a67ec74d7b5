/// What each component last said about its health; `/readyz` and `checkpoint show` read it.
public actor HealthRegistry {
    /// One component's latest report.
    public struct Status: Sendable, Equatable {
        public var healthy: Bool
        public var detail: String
        public var since: Timestamp
        public var lastProgress: Timestamp?
    }

    /// One component's answer for `/readyz`.
    public struct Readiness: Sendable, Equatable {
        public var name: String
        public var ready: Bool
        public var detail: String

        public init(name: String, ready: Bool, detail: String) {
            self.name = name
            self.ready = ready
            self.detail = detail
        }
    }

    private var components: [String: Status] = [:]
    private var stallLimits: [String: Duration] = [:]
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

    /// Declares that `component` must make progress at least once per `limit` to count as
    /// ready (a source that polls, an output that writes or idles); others need only be healthy.
    public func expectProgress(_ component: String, within limit: Duration) {
        stallLimits[component] = limit
    }

    public func snapshot() -> [String: Status] {
        components
    }

    /// Every component's readiness now, sorted by name: healthy, and not stalled past its limit.
    public func readiness() -> [Readiness] {
        let now = clock.now()
        return components.sorted { $0.key < $1.key }.map { name, status in
            guard status.healthy else {
                return Readiness(name: name, ready: false, detail: status.detail)
            }
            if let limit = stallLimits[name] {
                let quietFor = now.duration(since: status.lastProgress ?? status.since)
                if quietFor > limit {
                    let seconds = Int(quietFor.secondsDouble.rounded())
                    return Readiness(name: name, ready: false, detail: "no progress for \(seconds) s (limit \(Int(limit.secondsDouble)) s); last: \(status.detail)")
                }
            }
            return Readiness(name: name, ready: true, detail: status.detail)
        }
    }
}
