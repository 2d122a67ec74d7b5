/// A level-triggered wake-up signal between tasks: `signal()` makes the next (or a pending)
/// `wait` return at once; `wait(timeout:)` otherwise returns when the timeout passes or the
/// task is cancelled.
package actor Wakeup {
    private var signalled = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextID = 0
    private var fired: Set<Int> = []

    package init() {}

    package func signal() {
        if waiters.isEmpty {
            signalled = true
            return
        }
        let all = waiters
        waiters.removeAll()
        for (_, continuation) in all { continuation.resume() }
    }

    package func wait(timeout: Duration) async {
        if signalled {
            signalled = false
            return
        }
        let id = nextID
        nextID += 1
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                await self.fire(id)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    self.park(id, continuation)
                }
            } onCancel: {
                Task { await self.fire(id) }
            }
            group.cancelAll()
        }
        fired.remove(id)
    }

    private func park(_ id: Int, _ continuation: CheckedContinuation<Void, Never>) {
        if fired.remove(id) != nil || signalled || Task.isCancelled {
            signalled = false
            continuation.resume()
            return
        }
        waiters[id] = continuation
    }

    private func fire(_ id: Int) {
        if let continuation = waiters.removeValue(forKey: id) {
            continuation.resume()
        } else {
            fired.insert(id)
        }
    }
}
