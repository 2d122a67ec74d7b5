/// A part of the forwarder that reports its health; its `name` is the key in `/readyz` and `/status`.
package enum HealthComponent: Hashable, Sendable, Comparable, CustomStringConvertible {
    case monitor
    case eventStreams
    case nats
    case merge
    case output(String)

    package var name: String {
        switch self {
        case .monitor: "source:monitor"
        case .eventStreams: "source:event_streams"
        case .nats: "source:nats"
        case .merge: "merge"
        case .output(let name): "output:" + name
        }
    }

    /// The output's name, for an output.
    package var outputName: String? {
        if case .output(let name) = self { return name }
        return nil
    }

    package var description: String { name }

    package static func < (lhs: HealthComponent, rhs: HealthComponent) -> Bool { lhs.name < rhs.name }
}

/// What each component last said about its health; `/readyz` and `/status` read it.
package actor HealthRegistry {
    /// One component's latest report.
    package struct Status: Sendable, Equatable {
        package var healthy: Bool
        package var detail: String
        package var since: Timestamp
        package var lastProgress: Timestamp?
    }

    /// One component's answer for `/readyz` and `/status`.
    package struct Readiness: Sendable, Equatable {
        package var component: HealthComponent
        package var ready: Bool
        package var detail: String

        package var name: String { component.name }

        package init(component: HealthComponent, ready: Bool, detail: String) {
            self.component = component
            self.ready = ready
            self.detail = detail
        }
    }

    private var components: [HealthComponent: Status] = [:]
    private var stallLimits: [HealthComponent: Duration] = [:]
    private let clock: WallClock

    package init(clock: WallClock = .system) {
        self.clock = clock
    }

    /// The component works; `progress` marks that it moved data forward.
    package func ok(_ component: HealthComponent, detail: String = "ok", progress: Bool = true) {
        let now = clock.now()
        var status = components[component] ?? Status(healthy: true, detail: detail, since: now, lastProgress: nil)
        if !status.healthy { status.since = now }
        status.healthy = true
        status.detail = detail
        if progress { status.lastProgress = now }
        components[component] = status
    }

    /// The component is failing, with a sentence saying why.
    package func failing(_ component: HealthComponent, reason: String) {
        let now = clock.now()
        var status = components[component] ?? Status(healthy: false, detail: reason, since: now, lastProgress: nil)
        if status.healthy { status.since = now }
        status.healthy = false
        status.detail = reason
        components[component] = status
    }

    /// Registers a component that has not reported yet, so readiness waits for it.
    package func register(_ component: HealthComponent) {
        if components[component] == nil {
            components[component] = Status(healthy: true, detail: "starting", since: clock.now(), lastProgress: nil)
        }
    }

    /// Declares that `component` must make progress at least once per `limit` to count as
    /// ready (a source that polls, an output that writes or idles); others need only be healthy.
    package func expectProgress(_ component: HealthComponent, within limit: Duration) {
        stallLimits[component] = limit
    }

    /// Every component's latest report, for `/status`.
    package func snapshot() -> [HealthComponent: Status] {
        components
    }

    /// Every component's readiness now, sorted by name: healthy, and not stalled past its limit.
    package func readiness() -> [Readiness] {
        let now = clock.now()
        return components.sorted { $0.key < $1.key }.map { component, status in
            guard status.healthy else {
                return Readiness(component: component, ready: false, detail: status.detail)
            }
            if let limit = stallLimits[component] {
                let quietFor = now.duration(since: status.lastProgress ?? status.since)
                if quietFor > limit {
                    let seconds = Int(quietFor.secondsDouble.rounded())
                    return Readiness(component: component, ready: false, detail: "no progress for \(seconds) s (limit \(Int(limit.secondsDouble)) s); last: \(status.detail)")
                }
            }
            return Readiness(component: component, ready: true, detail: status.detail)
        }
    }
}
