#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// An exclusive lock on `state.dir` (a `flock` on `forwarder.lock`), so two forwarders never
/// share one journal and `checkpoint reset` never moves a cursor under a running forwarder.
public final class StateLock: Sendable {
    public let path: String
    private let fd: Mutex<Int32>

    public init(directory: String) throws(PipelineError) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("forwarder.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 {
            throw PipelineError("Could not open the state lock \(path): \(String(cString: strerror(errno))).")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw PipelineError("Another siem-forwarder is using state.dir \(directory) (\(path) is locked); stop it first or use another state.dir.")
        }
        self.fd = Mutex(fd)
    }

    /// Gives the lock up (once the journal is closed); later calls do nothing.
    public func release() {
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
