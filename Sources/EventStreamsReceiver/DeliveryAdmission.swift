import ForwarderCore
import Metrics
import Synchronization

/// Back-pressure for the webhook route: at most `limit` deliveries between admission and the end
/// of their commit (so memory stays within `limit × max_body_bytes`), and none once the receiver
/// is stopping. Refusals are transient (429 with `Retry-After`), so Twilio retries them. It also
/// knows when the oldest delivery still in flight arrived, which holds the source's watermark back
/// until that delivery's events are in the journal.
final class DeliveryAdmission: Sendable {
    /// One admitted delivery's place, given back with `leave(_:)`.
    struct Ticket: Sendable, Hashable {
        fileprivate let number: UInt64
    }

    private struct State {
        var next: UInt64 = 0
        var admitted: [UInt64: Timestamp] = [:]
        var stopping = false
    }

    let limit: Int
    private let state = Mutex(State())
    private let gauge = Gauge(label: "eventstreams_pending_requests")

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place for one delivery that arrived at `arrivedAt`.
    func admit(arrivedAt: Timestamp) throws(WebhookRejection) -> Ticket {
        let admitted: Result<(Ticket, Int), WebhookRejection> = state.withLock { state in
            if state.stopping { return .failure(.stopping) }
            if state.admitted.count >= limit { return .failure(.overloaded) }
            state.next += 1
            state.admitted[state.next] = arrivedAt
            return .success((Ticket(number: state.next), state.admitted.count))
        }
        let (ticket, count) = try admitted.get()
        gauge.record(count)
        return ticket
    }

    func leave(_ ticket: Ticket) {
        let count = state.withLock { state in
            state.admitted[ticket.number] = nil
            return state.admitted.count
        }
        gauge.record(count)
    }

    /// From now on every delivery is answered 429 with `Retry-After`.
    func beginStopping() {
        state.withLock { $0.stopping = true }
    }

    /// When the oldest delivery not yet committed (or refused) arrived; nil when none is in flight.
    var oldestArrival: Timestamp? { state.withLock { $0.admitted.values.min() } }
}
