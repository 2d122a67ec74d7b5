import Synchronization

/// A one-shot result handed from the server task to `start()`: the bound port, or why the
/// server could not start. The first outcome wins; later ones are ignored.
final class StartupSignal: Sendable {
    private struct State {
        var result: Result<Int, any Error>?
        var waiter: CheckedContinuation<Int, any Error>?
    }

    private let state = Mutex(State())

    func succeed(_ port: Int) { complete(.success(port)) }
    func fail(_ error: any Error) { complete(.failure(error)) }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            let ready = state.withLock { state -> Result<Int, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func complete(_ result: Result<Int, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }
}

/// The server stopped before it reported a bound port.
struct SimulatorServerStoppedError: Error, CustomStringConvertible {
    var description: String { "The simulator's HTTP server stopped before it was listening." }
}
