import Metrics
import Synchronization

/// The webhook route's request counters. A handle is made the first time its label value is
/// counted and reused for every later request, instead of a new `Counter` (an allocation and a
/// look-up in the metrics factory under its lock) on each delivery.
final class WebhookMetrics: Sendable {
    private let factory: any MetricsFactory
    private let answered = Mutex<[Int: Counter]>([:])
    private let rejected = Mutex<[String: Counter]>([:])

    /// Handles from `factory`: the bootstrapped one unless a test passes its own.
    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Counts a request answered with `status`.
    func answered(status: Int) {
        answered.withLock { counters in
            Self.handle(in: &counters, for: status) {
                Counter(label: "siem_forwarder_event_streams_requests_total", dimensions: [("status", String(status))], factory: factory)
            }
        }.increment()
    }

    /// Counts a request refused for `reason` (a rejection's `metricReason`).
    func rejected(reason: String) {
        rejected.withLock { counters in
            Self.handle(in: &counters, for: reason) {
                Counter(label: "siem_forwarder_event_streams_rejected_total", dimensions: [("reason", reason)], factory: factory)
            }
        }.increment()
    }

    private static func handle<Key: Hashable>(in counters: inout [Key: Counter], for key: Key, make: () -> Counter) -> Counter {
        if let counter = counters[key] { return counter }
        let counter = make()
        counters[key] = counter
        return counter
    }
}
