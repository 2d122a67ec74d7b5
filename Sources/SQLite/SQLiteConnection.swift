import CSQLite

/// One SQLite database connection; not thread-safe, meant to be owned by a single actor.
package final class SQLiteConnection {
    /// How to open the database file.
    package struct OpenOptions: OptionSet, Sendable {
        package let rawValue: Int32
        package init(rawValue: Int32) { self.rawValue = rawValue }

        package static let readOnly = OpenOptions(rawValue: SQLITE_OPEN_READONLY)
        package static let readWrite = OpenOptions(rawValue: SQLITE_OPEN_READWRITE)
        package static let create = OpenOptions(rawValue: SQLITE_OPEN_CREATE)
    }

    /// The `BEGIN` flavour used by `transaction(_:_:)`.
    package enum TransactionMode: Sendable {
        case deferred, immediate, exclusive
    }

    /// Values for `PRAGMA synchronous`.
    package enum Synchronous: Sendable {
        case off, normal, full
    }

    /// The raw `sqlite3 *`; nil once closed.
    private(set) var handle: OpaquePointer?
    /// Written by the WAL hook once ``trackWALFrames()`` installed it (on the committing thread).
    private let walFrameCount: UnsafeMutablePointer<Int32> = {
        let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// Opens (or creates) the database at `path` and sets the busy timeout.
    package init(
        path: String,
        options: OpenOptions = [.readWrite, .create],
        busyTimeoutMilliseconds: Int32 = 5000
    ) throws(SQLiteError) {
        let valid = options == [.readOnly] || options == [.readWrite] || options == [.readWrite, .create]
        guard valid else {
            throw SQLiteError(
                code: SQLITE_MISUSE,
                message: "open options must be [.readOnly], [.readWrite] or [.readWrite, .create]")
        }
        var db: OpaquePointer?
        let flags = options.rawValue | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(resultCode: rc == SQLITE_OK ? SQLITE_NOMEM : rc, db: db, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        sqlite3_extended_result_codes(db, 1)  // for libraries that ignore SQLITE_OPEN_EXRESCODE
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        handle = db
    }

    deinit {
        sqlite3_close_v2(handle)
        walFrameCount.deallocate()
    }

    /// Turns SQLite's automatic checkpoint off and counts the WAL's frames instead
    /// (``walFrames``), for a caller that checkpoints elsewhere.
    package func trackWALFrames() throws(SQLiteError) {
        csqlite_track_wal_frames(try openHandle(sql: nil), walFrameCount)
    }

    /// Frames in the WAL after this connection's last commit (with ``trackWALFrames()``).
    package var walFrames: Int { Int(walFrameCount.pointee) }

    /// Closes the connection; idempotent. Statements still alive fail with SQLITE_MISUSE afterwards.
    package func close() {
        guard let db = handle else { return }
        handle = nil
        sqlite3_close_v2(db)
    }

    /// Runs one or more `;`-separated statements, discarding any rows.
    package func execute(_ sql: String) throws(SQLiteError) {
        let db = try openHandle(sql: sql)
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteError(resultCode: rc, db: db, sql: sql) }
    }

    /// Compiles exactly one statement (trailing whitespace and comments are fine).
    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let db = try openHandle(sql: sql)
        var stmt: OpaquePointer?
        var extra: OpaquePointer?
        let rc = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(db, text, -1, &stmt, &tail)
            guard rc == SQLITE_OK, let tail, tail.pointee != 0 else { return rc }
            // Something follows the first statement: compile it to tell comments from SQL.
            return sqlite3_prepare_v2(db, tail, -1, &extra, nil)
        }
        if rc != SQLITE_OK || extra != nil {
            let error = rc != SQLITE_OK
                ? SQLiteError(resultCode: rc, db: db, sql: sql)
                : SQLiteError(code: SQLITE_MISUSE, message: "prepare() takes a single statement; use execute() for several", sql: sql)
            sqlite3_finalize(stmt)
            sqlite3_finalize(extra)
            throw error
        }
        guard let stmt else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement to prepare", sql: sql)
        }
        return SQLiteStatement(handle: stmt, connection: self, sql: sql)
    }

    /// Runs `body` inside `BEGIN <mode>` ... `COMMIT`; rolls back and rethrows if `body` or COMMIT throws.
    package func transaction<T>(_ mode: TransactionMode = .immediate, _ body: () throws -> T) throws -> T {
        switch mode {
        case .deferred: try execute("BEGIN DEFERRED")
        case .immediate: try execute("BEGIN IMMEDIATE")
        case .exclusive: try execute("BEGIN EXCLUSIVE")
        }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            rollbackIfNeeded()
            throw error
        }
    }

    /// `PRAGMA user_version`.
    package var userVersion: Int32 {
        get throws(SQLiteError) {
            let stmt = try prepare("PRAGMA user_version")
            guard try stmt.step() else { return 0 }
            return Int32(truncatingIfNeeded: stmt.int64(at: 0))
        }
    }

    /// Sets `PRAGMA user_version`.
    package func setUserVersion(_ v: Int32) throws(SQLiteError) {
        try execute("PRAGMA user_version = \(v)")
    }

    /// Switches to WAL journaling (throwing if SQLite refuses, e.g. for `:memory:`) and sets `synchronous`.
    package func enableWAL(synchronous: Synchronous = .normal) throws(SQLiteError) {
        let sql = "PRAGMA journal_mode = WAL"
        let stmt = try prepare(sql)
        let mode = try stmt.step() ? stmt.string(at: 0) ?? "" : ""
        stmt.reset()
        guard mode.lowercased() == "wal" else {
            throw SQLiteError(code: SQLITE_ERROR, message: "journal_mode is '\(mode)' after asking for WAL", sql: sql)
        }
        switch synchronous {
        case .off: try execute("PRAGMA synchronous = OFF")
        case .normal: try execute("PRAGMA synchronous = NORMAL")
        case .full: try execute("PRAGMA synchronous = FULL")
        }
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE (`sqlite3_changes64`).
    package var changes: Int {
        guard let handle else { return 0 }
        return Int(sqlite3_changes64(handle))
    }

    /// Rowid of the most recent successful INSERT on this connection.
    package var lastInsertRowID: Int64 {
        guard let handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// Runs a WAL checkpoint: PASSIVE, or TRUNCATE (which also empties the -wal file).
    package func checkpoint(truncate: Bool) throws(SQLiteError) {
        let db = try openHandle(sql: nil)
        let mode = truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE
        let rc = sqlite3_wal_checkpoint_v2(db, nil, mode, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteError(resultCode: rc, db: db, sql: nil) }
    }

    /// The live handle, or SQLITE_MISUSE once closed.
    func openHandle(sql: String?) throws(SQLiteError) -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the connection is closed", sql: sql)
        }
        return handle
    }

    /// ROLLBACK unless SQLite already ended the transaction itself; errors here are secondary.
    private func rollbackIfNeeded() {
        guard let handle, sqlite3_get_autocommit(handle) == 0 else { return }
        sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }
}

@available(*, unavailable, message: "SQLiteConnection is not thread-safe; keep it inside one actor")
extension SQLiteConnection: Sendable {}
