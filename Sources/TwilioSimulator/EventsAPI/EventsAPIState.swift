import Synchronization

/// The Events API's store behind a lock, with the counters `/simulator/stats` reports.
final class EventsAPIState: Sendable {
    private struct State {
        var store: EventsAPIStore
        var requests = 0
        var writes = 0
    }

    private let state: Mutex<State>

    init(seed: UInt64) {
        state = Mutex(State(store: EventsAPIStore(seed: seed)))
    }

    /// Counts one request (`write`: anything but a GET) and runs `body` on the store.
    func request<T>(write: Bool, _ body: (inout EventsAPIStore) -> T) -> T {
        state.withLock { state in
            state.requests += 1
            if write { state.writes += 1 }
            return body(&state.store)
        }
    }

    /// Reads the store without counting a request.
    func read<T>(_ body: (EventsAPIStore) -> T) -> T {
        state.withLock { body($0.store) }
    }

    /// Where deliveries go now; `fallback` is the configured webhook URL.
    func routing(fallback: WebhookURL?) -> DeliveryRouting {
        DeliveryRouting(fallback: fallback, routes: read { $0.routes() })
    }

    func counters() -> (requests: Int, writes: Int) {
        state.withLock { ($0.requests, $0.writes) }
    }
}
