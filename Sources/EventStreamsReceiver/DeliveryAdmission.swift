import Metrics
import Synchronization

/// Back-pressure for the webhook route: at most `limit` deliveries between admission and answer
/// (so memory stays within `limit × max_body_bytes`), and none once the receiver is stopping.
/// Refusals are transient (429 / 503 with `Retry-After`), so Twilio retries them.
final class DeliveryAdmission: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let gauge = Gauge(label: "eventstreams_pending_requests")

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place for one delivery, to be given back with `leave()`.
    func admit() throws(WebhookRejection) {
        let count = inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        if stopping.load(ordering: .acquiring) {
            leave()
            throw .stopping
        }
        if count > limit {
            leave()
            throw .overloaded
        }
        gauge.record(count)
    }

    func leave() {
        let count = inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        gauge.record(count)
    }

    /// From now on every delivery is answered 503.
    func beginStopping() {
        stopping.store(true, ordering: .releasing)
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }
    var deliveriesInFlight: Int { inFlight.load(ordering: .acquiring) }
}
