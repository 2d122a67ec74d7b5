import Synchronization

/// A switch a background loop waits on: `waitWhilePaused()` returns at once while open, and
/// on `resume()` or `close()` while paused. Closed gates never block again.
final class PauseGate: Sendable {
    private struct State {
        var paused = false
        var closed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isPaused: Bool { state.withLock { $0.paused && !$0.closed } }

    func pause() {
        state.withLock { $0.paused = true }
    }

    func resume() {
        release { $0.paused = false }
    }

    /// Opens for good (used on stop).
    func close() {
        release { $0.closed = true }
    }

    func waitWhilePaused() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                guard state.paused, !state.closed else { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release(_ change: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
}
