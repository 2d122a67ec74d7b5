#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Journal
import Synchronization

/// An exclusive lock on `state.dir`, so two forwarders never share one journal and
/// `checkpoint reset` never moves a cursor under a running forwarder. The lock is a `flock` on
/// the journal file itself: a lock file beside it could be deleted while the journal stays in
/// use, and a journal deleted from under a forwarder is a new file anyway.
package final class StateLock: Sendable {
    package let path: String
    private let fd: Mutex<Int32>

    package init(directory: String) throws {
        try StateDirectory.prepare(directory)
        path = StateDirectory.journalPath(in: directory)
        // Held open for the life of the lock: SQLite's own (POSIX) locks are unaffected by a
        // flock, and this descriptor is closed only after the journal is.
        let fd = open(path, O_RDWR | O_CLOEXEC)
        if fd < 0 {
            throw PipelineError("Could not open the journal \(path) to lock it: \(String(cString: strerror(errno))).")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw PipelineError("Another siem-forwarder is using state.dir \(directory) (its journal \(path) is locked); stop it first or use another state.dir.")
        }
        self.fd = Mutex(fd)
    }

    /// Gives the lock up (once the journal is closed); later calls do nothing.
    package func release() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit {
        release()
    }
}
