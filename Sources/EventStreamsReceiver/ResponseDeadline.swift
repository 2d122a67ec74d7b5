import Synchronization

/// Bounds how long a delivery waits for work that must not be abandoned halfway (its journal
/// commit): the work runs to its end in its own task, but the caller stops waiting at the deadline,
/// so Twilio gets a retryable answer inside its 5 s limit instead of a timeout.
enum ResponseDeadline {
    /// The deadline passed before the work ended; the work goes on.
    struct Exceeded: Error {}

    /// The result of `operation` if it ends within `limit`, else `Exceeded`. `whenDone` runs once
    /// `operation` has ended, whichever came first.
    static func run<T: Sendable>(
        within limit: Duration, _ operation: @escaping @Sendable () async throws -> T,
        whenDone: @escaping @Sendable () -> Void
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = ResumeOnce(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                once.resume(with: .failure(Exceeded()))
            }
            Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await operation())
                } catch {
                    result = .failure(error)
                }
                whenDone()
                once.resume(with: result)
                timer.cancel()  // only now: a cancelled timer resumes with `Exceeded` at once
            }
        }
    }

    /// A continuation that only the first of several racers resumes.
    private final class ResumeOnce<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T, any Error>?>

        init(_ continuation: CheckedContinuation<T, any Error>) {
            self.continuation = Mutex(continuation)
        }

        func resume(with result: Result<T, any Error>) {
            continuation.withLock { pending in
                let taken = pending
                pending = nil
                return taken
            }?.resume(with: result)
        }
    }
}
