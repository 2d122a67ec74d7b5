import ForwarderCore
import Metrics
import Synchronization

/// Back-pressure for the webhook route: at most `limit` deliveries between admission and the end
/// of their commit (so memory stays within `limit × max_body_bytes`), and none once the receiver
/// is stopping. Refusals are transient (429 with `Retry-After`), so Twilio retries them. It also
/// knows when the oldest delivery whose body is in but whose commit is not arrived, which holds
/// the source's watermark back until that delivery's events are in the journal. (An upload still
/// in progress does not: its events are not known yet, and a stalled one must not stop the merge.)
final class DeliveryAdmission: Sendable {
    /// One admitted delivery's place, given back with `leave(_:)`.
    struct Ticket: Sendable, Hashable {
        fileprivate let number: UInt64
    }

    private struct State {
        var next: UInt64 = 0
        var admitted = 0
        /// Deliveries whose body is in, by ticket: when it was.
        var received: [UInt64: Timestamp] = [:]
        var stopping = false
    }

    let limit: Int
    private let clock: WallClock
    private let state = Mutex(State())
    private let gauge = Gauge(label: "siem_forwarder_event_streams_pending_requests")

    init(limit: Int, clock: WallClock) {
        self.limit = max(1, limit)
        self.clock = clock
    }

    /// Takes a place for one delivery.
    func admit() throws(WebhookRejection) -> Ticket {
        let admitted: Result<(Ticket, Int), WebhookRejection> = state.withLock { state in
            if state.stopping { return .failure(.stopping) }
            if state.admitted >= limit { return .failure(.overloaded) }
            state.next += 1
            state.admitted += 1
            return .success((Ticket(number: state.next), state.admitted))
        }
        let (ticket, count) = try admitted.get()
        gauge.record(count)
        return ticket
    }

    /// The delivery's body is in: from now until `leave`, the watermark waits for it. Returns the
    /// moment of receipt.
    func bodyReceived(_ ticket: Ticket) -> Timestamp {
        state.withLock { state in
            let now = clock.now()
            state.received[ticket.number] = now
            return now
        }
    }

    func leave(_ ticket: Ticket) {
        let count = state.withLock { state in
            state.received[ticket.number] = nil
            state.admitted -= 1
            return state.admitted
        }
        gauge.record(count)
    }

    /// From now on every delivery is answered 429 with `Retry-After`.
    func beginStopping() {
        state.withLock { $0.stopping = true }
    }

    /// now − `allowedDelay`, but no later than the receipt of a delivery still being committed
    /// minus `allowedDelay`; computed under the lock a receipt is recorded under, so a delivery
    /// is never received at an instant the mark has already passed.
    func watermark(allowedDelay: Duration) -> Timestamp {
        state.withLock { state in
            let now = clock.now()
            return min(now, state.received.values.min() ?? now).subtracting(allowedDelay)
        }
    }
}
