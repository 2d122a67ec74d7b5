import ForwarderCore
import Foundation
import NIOCore
import NIOPosix
import SQLite

/// The durable heart of the forwarder: a SQLite database in WAL mode under `state.dir` holding
/// every event (unique by dedup key), the sources' checkpoints, the merger's progress and each
/// output's position. It is the one place that writes state.
///
/// The actor runs on its own thread so that blocking SQLite calls and fsyncs never occupy the
/// shared concurrency pool.
package actor Journal {
    package nonisolated let path: String
    let db: SQLiteConnection
    private var statements: [String: SQLiteStatement] = [:]
    private let checkpointer: WALCheckpointer
    private let group: MultiThreadedEventLoopGroup
    private nonisolated let loop: any EventLoop

    package nonisolated var unownedExecutor: UnownedSerialExecutor {
        loop.executor.asUnownedSerialExecutor()
    }

    /// Opens (creating if needed) `journal.sqlite` in `directory`, migrating its schema.
    /// `synchronous: .full` fsyncs the WAL on every commit, so a committed event survives power loss.
    package init(directory: String, synchronous: SQLiteConnection.Synchronous = .full) throws(JournalError) {
        let path = StateDirectory.journalPath(in: directory)
        self.path = path
        try StateDirectory.prepare(directory)
        let db: SQLiteConnection
        do {
            db = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 5000)
            try db.enableWAL(synchronous: synchronous)
            try db.execute("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -4096;")
            try db.trackWALFrames()
        } catch {
            throw JournalError("be opened", path: path, error)
        }
        try JournalSchema.migrate(db, path: path)
        self.db = db
        self.checkpointer = WALCheckpointer(path: path, synchronous: synchronous)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.loop = group.next()
    }

    /// Whether `directory` holds a journal that has been written (not merely created empty).
    package static func exists(inDirectory directory: String) -> Bool {
        let attributes = try? FileManager.default.attributesOfItem(atPath: StateDirectory.journalPath(in: directory))
        return ((attributes?[.size] as? NSNumber)?.intValue ?? 0) > 0
    }

    /// Checks every page of the journal (`PRAGMA quick_check`: the b-trees and their records,
    /// without the index cross-checks of a full integrity check), so damage is found before the
    /// forwarder builds on it rather than when it first reads a damaged page.
    package func verify() throws(JournalError) {
        let problems: [String] = try read("be checked") {
            let check = try db.prepare("PRAGMA quick_check(5)")
            var problems: [String] = []
            while try check.step() {
                let text = check.string(at: 0) ?? ""
                if text != "ok" { problems.append(text) }
            }
            return problems
        }
        guard problems.isEmpty else {
            throw JournalError(operation: "be used", path: path, underlying: "SQLite's check found damage: " + problems.joined(separator: "; "), isDamaged: true)
        }
    }

    /// Closes the database and stops the journal's thread.
    package func close() {
        checkpointer.stop()
        statements.removeAll()
        db.close()
        group.shutdownGracefully(queue: .global()) { _ in }
    }

    /// A cached prepared statement.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            cached.clearBindings()
            return cached
        }
        let prepared = try db.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    /// Resets every cached statement, so none keeps a read transaction (and an old WAL
    /// snapshot) open between calls.
    private func resetStatements() {
        for statement in statements.values { statement.reset() }
    }

    /// Runs `body` in one immediate transaction, mapping failures to a `JournalError`; then hands
    /// the WAL to the checkpointer (or, when it fell far behind, checkpoints it here).
    func write<T>(_ operation: String, _ body: () throws -> T) throws(JournalError) -> T {
        defer { resetStatements() }
        do {
            let result = try db.transaction(.immediate, body)
            let frames = db.walFrames
            if frames >= WALCheckpointer.inlineFrames {
                try? db.checkpoint(truncate: false)
            } else {
                checkpointer.committed(walFrames: frames)
            }
            return result
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(operation, path: path, error)
        }
    }

    /// Runs a read, mapping failures to a `JournalError`.
    func read<T>(_ operation: String, _ body: () throws -> T) throws(JournalError) -> T {
        defer { resetStatements() }
        do {
            return try body()
        } catch {
            throw JournalError(operation, path: path, error)
        }
    }
}
