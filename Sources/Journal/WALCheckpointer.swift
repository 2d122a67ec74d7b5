import NIOPosix
import SQLite
import Synchronization

/// Copies the journal's WAL back into the database file on a thread of its own, over a second
/// connection, so the thread that commits events never stalls on it: SQLite's automatic
/// checkpoint runs inside whichever commit crosses its threshold.
///
/// A checkpoint here is PASSIVE: it runs beside the writer and never blocks a commit. Should it
/// fall behind (or fail), the journal checkpoints inline once the WAL reaches ``inlineFrames``.
final class WALCheckpointer: Sendable {
    /// WAL frames (pages) after a commit from which a background checkpoint is requested.
    static let backgroundFrames = 4096
    /// WAL frames from which the committing thread checkpoints itself.
    static let inlineFrames = 8 * backgroundFrames

    private let path: String
    private let synchronous: SQLiteConnection.Synchronous
    private let pool = NIOThreadPool(numberOfThreads: 1)
    /// Whether a checkpoint is queued and not yet started (requests meanwhile add nothing).
    private let queued = Mutex(false)
    /// The checkpointer's connection, used only on the pool's one thread.
    private let worker = Worker()

    init(path: String, synchronous: SQLiteConnection.Synchronous) {
        self.path = path
        self.synchronous = synchronous
        pool.start()
    }

    /// Called by the journal after each commit with the WAL's size in frames.
    func committed(walFrames: Int) {
        guard walFrames >= Self.backgroundFrames else { return }
        let schedule = queued.withLock { queued in
            if queued { return false }
            queued = true
            return true
        }
        guard schedule else { return }
        pool.submit { [self] state in
            queued.withLock { $0 = false }
            guard case .active = state else { return }
            worker.checkpoint(path: path, synchronous: synchronous)
        }
    }

    /// Waits for a running checkpoint and closes the connection.
    func stop() {
        try? pool.syncShutdownGracefully()
        worker.close()
    }

    /// The connection and what it does, confined to the pool's thread (and `stop` after it ended).
    private final class Worker: @unchecked Sendable {
        private var connection: SQLiteConnection?

        func checkpoint(path: String, synchronous: SQLiteConnection.Synchronous) {
            do {
                if connection == nil {
                    let opened = try SQLiteConnection(path: path, options: [.readWrite], busyTimeoutMilliseconds: 0)
                    try opened.enableWAL(synchronous: synchronous)
                    connection = opened
                }
                try connection?.checkpoint(truncate: false)
            } catch {
                // Busy or failing: the next commit asks again, and the journal checkpoints
                // inline once the WAL reaches `inlineFrames` (a WAL that cannot be copied back
                // because the disk is full also fails the commits, which report it).
                connection?.close()
                connection = nil
            }
        }

        func close() {
            connection?.close()
            connection = nil
        }
    }
}
