import Synchronization

/// The Monitor side's shared state behind one lock: the event store, the live-generation
/// switch, the fault spec and its dice, the credentials switch and the request counters. Every
/// method holds the lock briefly; JSON is built by callers after the lock is released.
final class MonitorState: Sendable {
    /// What one `/v1/` request should get, decided when it arrives.
    struct RequestDecision: Sendable {
        /// The credentials are revoked: the answer is 401 whatever the request.
        var revoked = false
        var fault: FaultKind?
        /// A coin flip for the fault's variant (Retry-After present, truncation style).
        var coin: Bool
    }

    enum RequestKind: Sendable { case list, fetch, other }

    struct Counters: Sendable {
        var requests = 0
        var listRequests = 0
        var fetchRequests = 0
        var unauthorizedRequests = 0
        var faultsInjected: [FaultKind: Int] = [:]
        /// Requests refused with 429 because too many were in flight (`maxConcurrentRequests`).
        var concurrencyRefusals = 0
    }

    private struct State {
        var store: EventStore
        var counters = Counters()
        var faults: FaultSpec
        var credentialsRevoked = false
        var faultRNG: SplitMix64
        var livePaused = false
        var stopped = false
        var resumeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let catalog: EventCatalog
    let clock: SimulatorClock
    private let seed: UInt64
    private let sameTimestampFraction: Double
    private let lateVisibleFraction: Double
    private let maxVisibilityDelayMs: Int64
    private let state: Mutex<State>

    init(store: EventStore, catalog: EventCatalog, clock: SimulatorClock, configuration: SimulatorConfiguration) {
        self.catalog = catalog
        self.clock = clock
        self.seed = configuration.seed
        self.sameTimestampFraction = configuration.sameTimestampFraction
        self.lateVisibleFraction = configuration.lateVisibleFraction
        self.maxVisibilityDelayMs = configuration.maxVisibilityDelay.milliseconds
        self.state = Mutex(State(
            store: store,
            faults: configuration.faults,
            faultRNG: SplitMix64(seed: configuration.seed, stream: RandomStream.faults, index: 0)
        ))
    }

    // MARK: Requests

    /// Counts a `/v1/` request and rolls the fault dice for it (none while the credentials are
    /// revoked: then every request is refused). `hasPageToken`: the request carries a `PageToken`,
    /// so a ``FaultKind/pageNotFound`` fault can hit it.
    func beginRequest(_ kind: RequestKind, hasPageToken: Bool = false) -> RequestDecision {
        state.withLock { state in
            state.counters.requests += 1
            switch kind {
            case .list: state.counters.listRequests += 1
            case .fetch: state.counters.fetchRequests += 1
            case .other: break
            }
            if state.credentialsRevoked {
                return RequestDecision(revoked: true, fault: nil, coin: false)
            }
            var fault: FaultKind?
            if hasPageToken, let rate = state.faults.rates[.pageNotFound], state.faultRNG.nextUnit() < rate {
                fault = .pageNotFound
            } else if !state.faults.rates.isEmpty {
                fault = state.faults.fault(forDraw: state.faultRNG.nextUnit())
            }
            if let fault { state.counters.faultsInjected[fault, default: 0] += 1 }
            return RequestDecision(fault: fault, coin: state.faultRNG.next() & 1 == 0)
        }
    }

    /// Replaces the fault spec; the next request is decided by the new one.
    func setFaults(_ faults: FaultSpec) {
        state.withLock { $0.faults = faults }
    }

    var faults: FaultSpec {
        state.withLock { $0.faults }
    }

    /// Moves the simulated clock; events it no longer reaches count as pending until it does.
    func setClockOffset(_ offset: Duration) {
        state.withLock { state in
            clock.setOffset(offset)
            state.store.recomputePending(nowMs: clock.nowMs())
        }
    }

    /// While revoked, every `/v1/` request answers 401 (Twilio's 20003), whatever its credentials.
    func setCredentialsRevoked(_ revoked: Bool) {
        state.withLock { $0.credentialsRevoked = revoked }
    }

    /// Whether ``setCredentialsRevoked(_:)`` revoked the credentials.
    var credentialsRevoked: Bool {
        state.withLock { $0.credentialsRevoked }
    }

    func countUnauthorized() {
        state.withLock { $0.counters.unauthorizedRequests += 1 }
    }

    /// A request refused because too many were in flight; it counts as a request too.
    func countConcurrencyRefusal() {
        state.withLock { state in
            state.counters.requests += 1
            state.counters.concurrencyRefusals += 1
        }
    }

    func counters() -> Counters {
        state.withLock { $0.counters }
    }

    func resetCounters() {
        state.withLock { $0.counters = Counters() }
    }

    // MARK: Reading

    func page(for request: EventListRequest, nowMs: Int64) -> EventPage {
        state.withLock { $0.store.page(for: request, nowMs: nowMs, catalog: catalog) }
    }

    /// The event with this sid if it is visible at `nowMs`.
    func visibleRecord(sid: Sid128, nowMs: Int64) -> EventRecord? {
        state.withLock { state in
            state.store.record(sid: sid).flatMap { $0.isVisible(atMs: nowMs) ? $0 : nil }
        }
    }

    func visibleChunk(before: EventKey?, limit: Int, nowMs: Int64) -> [EventRecord] {
        state.withLock { $0.store.visibleChunk(before: before, limit: limit, nowMs: nowMs) }
    }

    /// (visible, pending, latest pending visibility time).
    func visibility(nowMs: Int64) -> (visible: Int, pending: Int, latestPendingMs: Int64?) {
        state.withLock { state in
            let pending = state.store.prunePending(nowMs: nowMs)
            return (state.store.count - pending, pending, state.store.latestPendingVisibleAt)
        }
    }

    // MARK: Writing

    /// Adds one live event at `nowMs`; it may share the previous event's timestamp and may
    /// become visible only later. Skipped (returns nil) while live generation is paused.
    @discardableResult
    func addLiveEvent(nowMs: Int64) -> Sid128? {
        state.withLock { state in
            guard !state.livePaused else { return nil }
            return appendGenerated(&state, nowMs: nowMs, shareTimestamp: nil, allowLate: true)
        }
    }

    /// Adds `count` events at `nowMs`, visible at once, the second always sharing the first's
    /// timestamp and later ones sometimes. Returns their sids in creation order.
    func addEvents(count: Int, nowMs: Int64) -> [Sid128] {
        state.withLock { state in
            (0..<max(0, count)).map { offset in
                let share: Bool? = offset == 0 ? false : offset == 1 ? true : nil
                return appendGenerated(&state, nowMs: nowMs, shareTimestamp: share, allowLate: false)
            }
        }
    }

    private func appendGenerated(_ state: inout State, nowMs: Int64, shareTimestamp: Bool?, allowLate: Bool) -> Sid128 {
        let index = state.store.nextIndex
        var rng = SplitMix64(seed: seed, stream: RandomStream.live, index: index)
        let nowSeconds = CivilTime.floorDiv(nowMs, 1000)
        var date = nowSeconds
        // Sharing only within the current second keeps every event visible within 1 s of its
        // `event_date` (the date's resolution) unless it is one of the late ones.
        let wantsShare = shareTimestamp ?? rng.chance(sameTimestampFraction)
        if wantsShare, let last = state.store.lastGeneratedDate, last == nowSeconds {
            date = last
        }
        var visibleAt = date * 1000
        if allowLate, rng.chance(lateVisibleFraction), maxVisibilityDelayMs > 0 {
            // Visible between a quarter of the maximum delay and the maximum after its date (at
            // once if that has passed already), so the maximum bounds the delay a poller sees.
            let quarter = maxVisibilityDelayMs / 4
            visibleAt = max(nowMs, date * 1000 + quarter + Int64(rng.nextInt(below: Int(max(1, maxVisibilityDelayMs - quarter)))))
        }
        let record = EventRecord.generate(index: index, seed: seed, date: date, visibleAtMs: visibleAt, catalog: catalog)
        state.store.nextIndex += 1
        state.store.lastGeneratedDate = date
        state.store.insert(record, nowMs: nowMs)
        return record.sid
    }

    // MARK: Live switch

    func pauseLive() {
        state.withLock { $0.livePaused = true }
    }

    func resumeLive() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.livePaused = false
            defer { state.resumeWaiters = [] }
            return state.resumeWaiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns at once unless paused; then returns on resume (or when `releaseWaiters` runs).
    func waitWhilePaused() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                guard state.livePaused, !state.stopped else { return true }
                state.resumeWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Wakes anything waiting in ``waitWhilePaused()`` (used on stop).
    func releaseWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.resumeWaiters = [] }
            return state.resumeWaiters
        }
        waiters.forEach { $0.resume() }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
