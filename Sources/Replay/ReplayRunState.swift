import Foundation
import Journal

/// The counters of a running job, shared by its day tasks.
actor ReplayRunState {
    private(set) var progress: ReplayProgress

    init(_ progress: ReplayProgress) {
        self.progress = progress
    }

    func request(throttled: Bool) {
        progress.requests += 1
        if throttled { progress.throttled += 1 }
    }

    func dayDone(events: Int) {
        progress.daysDone += 1
        progress.events += events
    }

    func file(for output: String) {
        progress.files[output, default: 0] += 1
    }

    func failed(with error: String) {
        progress.lastError = error
    }

    func finished(_ state: ReplayState, error: String?) {
        progress.state = state
        if let error { progress.lastError = error }
    }
}

/// Requests in flight across a job's days, within `ReplayConcurrency`'s limit.
actor ReplayLimiter {
    private var concurrency: ReplayConcurrency
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ concurrency: ReplayConcurrency) {
        self.concurrency = concurrency
    }

    func acquire() async {
        while inFlight >= concurrency.limit {
            await withCheckedContinuation { waiters.append($0) }
        }
        inFlight += 1
    }

    func release(throttled: Bool) {
        inFlight -= 1
        if throttled { concurrency.throttled() } else { concurrency.succeeded() }
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}

/// One process per job: an exclusive `flock` on the job's journal, so two `replay` runs of the
/// same request (or the sidecar and a CLI run) never work the same job at once.
final class ReplayLock: Sendable {
    private let fd: Int32

    init(directory: String, id: String) throws {
        let path = StateDirectory.journalPath(in: directory)
        try StateDirectory.prepare(directory)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw ReplayBusy(id: id, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ReplayBusy(id: id, reason: nil)
        }
        self.fd = fd
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
