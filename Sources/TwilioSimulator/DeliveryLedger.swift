import Synchronization

/// The record of every Event Streams delivery: the CloudEvents generated, the body each
/// delivery sends, its attempts and outcome; and the waiters for "everything settled".
final class DeliveryLedger: Sendable {
    /// A delivery ready to send: the exact body, its number and where it goes.
    struct Delivery: Sendable {
        var number: Int
        var body: [UInt8]
        var target: WebhookURL
    }

    enum Outcome: Sendable { case pending, acknowledged, discarded, abandoned }

    private struct DeliveryState {
        var eventRange: Range<Int>
        var batched: Bool
        var attempts = 0
        var outcome = Outcome.pending
    }

    private struct State {
        var generator: CloudEventGenerator
        var events: [CloudEvent] = []
        var eventDelivery: [Int] = []
        var deliveries: [DeliveryState] = []
        var unsettled = 0
        /// Generated events that no subscription selected, so were never sent.
        var unsubscribed = 0
        var settledWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    private let accountSid: String

    init(seed: UInt64, accountSid: String) {
        self.accountSid = accountSid
        state = Mutex(State(generator: CloudEventGenerator(seed: seed, accountSid: accountSid)))
    }

    /// The plan for the next background delivery.
    func nextPlan() -> CloudEventGenerator.Plan {
        state.withLock { $0.generator.nextPlan() }
    }

    /// Generates the events of a plan (a burst gives several groups) and registers the
    /// deliveries `routing` makes of them.
    func makeDeliveries(plan: CloudEventGenerator.Plan, nowMs: Int64, routing: DeliveryRouting) -> [Delivery] {
        state.withLock { state in
            switch plan {
            case .single:
                return route(&state, state.generator.makeEvents(count: 1, nowMs: nowMs), batched: false, routing: routing)
            case .batch(let size):
                return route(&state, state.generator.makeEvents(count: size, nowMs: nowMs), batched: true, routing: routing)
            case .burst:
                return state.generator.makeBurst(nowMs: nowMs).flatMap { route(&state, $0, batched: true, routing: routing) }
            }
        }
    }

    /// `events` events as one batched delivery, or as that many single-event deliveries, routed.
    func makeDeliveries(events: Int, batched: Bool, nowMs: Int64, routing: DeliveryRouting) -> [Delivery] {
        state.withLock { state in
            let count = max(1, events)
            if batched {
                return route(&state, state.generator.makeEvents(count: count, nowMs: nowMs), batched: true, routing: routing)
            }
            return (0..<count).flatMap { _ in
                route(&state, state.generator.makeEvents(count: 1, nowMs: nowMs), batched: false, routing: routing)
            }
        }
    }

    /// The delivery of a sink test: the test event alone, in an array when the sink batches.
    func makeTestDelivery(testID: String, target: WebhookURL, batched: Bool, nowMs: Int64) -> Delivery {
        state.withLock { state in
            let event = CloudEvent.sinkTest(testID: testID, accountSid: accountSid, nowMs: nowMs)
            return register(&state, events: [event], batched: batched, target: target)
        }
    }

    private func route(_ state: inout State, _ events: [CloudEvent], batched: Bool, routing: DeliveryRouting) -> [Delivery] {
        let (requests, unsubscribed) = routing.plan(events, batched: batched)
        state.unsubscribed += unsubscribed
        return requests.map { register(&state, events: $0.events, batched: $0.batched, target: $0.target) }
    }

    private func register(_ state: inout State, events: [CloudEvent], batched: Bool, target: WebhookURL) -> Delivery {
        let number = state.deliveries.count
        let start = state.events.count
        state.events.append(contentsOf: events)
        state.eventDelivery.append(contentsOf: repeatElement(number, count: events.count))
        state.deliveries.append(DeliveryState(eventRange: start..<state.events.count, batched: batched))
        state.unsettled += 1
        var body: [UInt8]
        if batched {
            body = [UInt8(ascii: "[")]
            for (offset, event) in events.enumerated() {
                if offset > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: event.json)
            }
            body.append(UInt8(ascii: "]"))
        } else {
            body = events.first?.json ?? []
        }
        return Delivery(number: number, body: body, target: target)
    }

    func recordAttempt(_ number: Int) {
        state.withLock { $0.deliveries[number].attempts += 1 }
    }

    /// Marks a delivery acknowledged or discarded (or abandoned on stop) and wakes waiters when
    /// nothing is left unsettled.
    func settle(_ number: Int, outcome: Outcome) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.deliveries[number].outcome == .pending else { return [] }
            state.deliveries[number].outcome = outcome
            state.unsettled -= 1
            guard state.unsettled == 0 else { return [] }
            defer { state.settledWaiters = [] }
            return state.settledWaiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Settles everything still pending as abandoned (the simulator is stopping).
    func abandonPending() {
        let pending = state.withLock { state in
            state.deliveries.indices.filter { state.deliveries[$0].outcome == .pending }
        }
        pending.forEach { settle($0, outcome: .abandoned) }
    }

    func waitUntilSettled() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                guard state.unsettled > 0 else { return true }
                state.settledWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func snapshot() -> [SimulatedDelivery] {
        state.withLock { state in
            state.events.enumerated().map { index, event in
                let delivery = state.deliveries[state.eventDelivery[index]]
                return SimulatedDelivery(
                    id: event.id, source: event.source, type: event.type,
                    json: String(decoding: event.json, as: UTF8.self),
                    acknowledged: delivery.outcome == .acknowledged, attempts: delivery.attempts,
                    deliveryNumber: state.eventDelivery[index], batched: delivery.batched
                )
            }
        }
    }

    /// NDJSON for `GET /simulator/deliveries`.
    func ndjson() -> [UInt8] {
        state.withLock { state in
            var writer = JSONWriter(capacity: state.events.count * 700 + 16)
            for (index, event) in state.events.enumerated() {
                let delivery = state.deliveries[state.eventDelivery[index]]
                writer.raw("{\"id\":")
                writer.string(event.id)
                writer.raw(",\"source\":")
                writer.string(event.source)
                writer.raw(",\"type\":")
                writer.string(event.type)
                writer.raw(",\"acknowledged\":")
                writer.bool(delivery.outcome == .acknowledged)
                writer.raw(",\"attempts\":")
                writer.integer(Int64(delivery.attempts))
                writer.raw(",\"delivery\":")
                writer.integer(Int64(state.eventDelivery[index]))
                writer.raw(",\"event\":")
                writer.raw(event.json)
                writer.raw("}\n")
            }
            return writer.bytes
        }
    }

    /// (sent, acknowledged, discarded, attempts, cloud events, events no subscription selected).
    func counters() -> (sent: Int, acknowledged: Int, discarded: Int, attempts: Int, events: Int, unsubscribed: Int) {
        state.withLock { state in
            var sent = 0, acknowledged = 0, discarded = 0, attempts = 0
            for delivery in state.deliveries {
                if delivery.attempts > 0 { sent += 1 }
                if delivery.outcome == .acknowledged { acknowledged += 1 }
                if delivery.outcome == .discarded { discarded += 1 }
                attempts += delivery.attempts
            }
            return (sent, acknowledged, discarded, attempts, state.events.count, state.unsubscribed)
        }
    }
}
