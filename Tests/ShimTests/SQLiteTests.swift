import Foundation
import SQLite
import Testing

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TempDir {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("shimtests-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

private struct BodyFailed: Error {}

/// Opens `<tmp>/test.db` in WAL mode with an `events(key UNIQUE, body)` table.
private func makeDatabase(_ dir: TempDir, busyTimeout: Int32 = 5000) throws -> SQLiteConnection {
    let db = try SQLiteConnection(path: dir.path("test.db"), busyTimeoutMilliseconds: busyTimeout)
    try db.enableWAL()
    try db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, body BLOB)")
    return db
}

private func count(_ db: SQLiteConnection, _ sql: String = "SELECT count(*) FROM events") throws -> Int64 {
    let stmt = try db.prepare(sql)
    #expect(try stmt.step())
    return stmt.int64(at: 0)
}

@Suite struct SQLiteTests {
    @Test func walIsEnabledAndWalFileAppears() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        try db.prepare("INSERT INTO events (key) VALUES ('a')").run()
        let mode = try db.prepare("PRAGMA journal_mode")
        #expect(try mode.step())
        #expect(mode.string(at: 0) == "wal")
        #expect(FileManager.default.fileExists(atPath: dir.path("test.db-wal")))
        let sync = try db.prepare("PRAGMA synchronous")
        #expect(try sync.step())
        #expect(sync.int64(at: 0) == 1)  // NORMAL
    }

    @Test func enableWALFailsForInMemoryDatabase() throws {
        let db = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try db.enableWAL() }
    }

    @Test func checkpointTruncateEmptiesWal() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        try db.prepare("INSERT INTO events (key) VALUES ('a')").run()
        try db.checkpoint(truncate: false)
        try db.checkpoint(truncate: true)
        let size = try FileManager.default.attributesOfItem(atPath: dir.path("test.db-wal"))[.size] as? Int
        #expect(size == 0)
        #expect(try count(db) == 1)
    }

    @Test func userVersionRoundTripsAndPersists() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        do {
            let db = try SQLiteConnection(path: dir.path("v.db"))
            #expect(try db.userVersion == 0)
            try db.setUserVersion(42)
            #expect(try db.userVersion == 42)
            try db.setUserVersion(-7)
            #expect(try db.userVersion == -7)
            try db.setUserVersion(Int32.max)
            db.close()
        }
        let reopened = try SQLiteConnection(path: dir.path("v.db"), options: .readOnly)
        #expect(try reopened.userVersion == Int32.max)
    }

    @Test func transactionCommitsAndReturnsValue() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        let insert = try db.prepare("INSERT INTO events (key) VALUES (?)")
        let ids = try db.transaction {
            try (0..<100).map { i in
                try insert.run([.text("k\(i)")])
                return db.lastInsertRowID
            }
        }
        #expect(ids == Array(1...100))
        let other = try SQLiteConnection(path: dir.path("test.db"))
        #expect(try count(other) == 100)
    }

    @Test(arguments: [SQLiteConnection.TransactionMode.deferred, .immediate, .exclusive])
    func transactionRollsBackOnThrownError(mode: SQLiteConnection.TransactionMode) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        try db.prepare("INSERT INTO events (key) VALUES ('kept')").run()
        #expect(throws: BodyFailed.self) {
            try db.transaction(mode) {
                try db.prepare("INSERT INTO events (key) VALUES ('gone')").run()
                #expect(try count(db) == 2)
                throw BodyFailed()
            }
        }
        #expect(try count(db, "SELECT count(*) FROM events WHERE key = 'gone'") == 0)
        #expect(try count(db) == 1)
        // The connection is back in autocommit mode: a new transaction can start.
        try db.transaction(mode) { try db.prepare("INSERT INTO events (key) VALUES ('next')").run() }
        #expect(try count(db) == 2)
    }

    @Test func transactionRollsBackWhenASQLiteErrorEscapes() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        let error = #expect(throws: SQLiteError.self) {
            try db.transaction {
                try db.prepare("INSERT INTO events (key) VALUES ('x')").run()
                try db.prepare("INSERT INTO events (key) VALUES ('x')").run()
            }
        }
        #expect(error?.code == 19)
        #expect(try count(db) == 0)
    }

    @Test func uniqueViolationIsAConstraintError() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        let insert = try db.prepare("INSERT INTO events (key, body) VALUES (?, ?)")
        try insert.run([.text("dup"), .null])
        let error = try #require(throws: SQLiteError.self) {
            try insert.run([.text("dup"), .null])
        }
        #expect(error.code == 19)
        #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error.message.contains("UNIQUE constraint failed: events.key"))
        #expect(error.sql == "INSERT INTO events (key, body) VALUES (?, ?)")
        #expect(!error.isBusy)
        #expect(error.description.hasPrefix("SQLite error 19 (constraint failed: UNIQUE constraint failed: events.key)"))
        #expect(error.description.contains("INSERT INTO events"))
        // The statement was reset by the failure and is reusable.
        try insert.run([.text("other"), .null])
        #expect(try count(db) == 2)
    }

    @Test func insertOrIgnoreDedups() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        let insert = try db.prepare("INSERT OR IGNORE INTO events (key) VALUES (?)")
        try insert.run([.text("once")])
        #expect(db.changes == 1)
        #expect(db.lastInsertRowID == 1)
        try insert.run([.text("once")])
        #expect(db.changes == 0)
        #expect(try count(db) == 1)
    }

    @Test func badSQLThrowsWithTheSQL() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let sql = "SELEC nonsense FROM nowhere"
        let error = try #require(throws: SQLiteError.self) { try db.prepare(sql) }
        #expect(error.code == 1)
        #expect(error.sql == sql)
        #expect(error.message.contains("syntax error"))
        #expect(error.description.contains(sql))

        let missing = try #require(throws: SQLiteError.self) { try db.prepare("SELECT * FROM nowhere") }
        #expect(missing.message.contains("no such table: nowhere"))

        let exec = try #require(throws: SQLiteError.self) { try db.execute("CREATE TABLE t (a); INSERT INTO nope VALUES (1)") }
        #expect(exec.code == 1)
        #expect(exec.sql?.contains("INSERT INTO nope") == true)
    }

    @Test func prepareRejectsSeveralStatementsAndEmptySQL() throws {
        let db = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; SELECT 2") }
        #expect(throws: SQLiteError.self) { try db.prepare("   -- just a comment") }
        #expect(throws: SQLiteError.self) { try db.prepare("") }
        let ok = try db.prepare("SELECT 1; -- trailing comment\n  ")
        #expect(try ok.step())
        #expect(ok.int64(at: 0) == 1)
    }

    @Test func blobsRoundTripByteForByte() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let db = try makeDatabase(dir)
        var generator = SystemRandomNumberGenerator()
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let cases: [(String, [UInt8])] = [("empty", []), ("zeros", [0, 0, 1, 0, 0]), ("one", [0xFF]), ("big", big)]
        let insert = try db.prepare("INSERT INTO events (key, body) VALUES (?, ?)")
        for (key, bytes) in cases {
            try insert.bind(key, at: 1)
            try insert.bind(blob: bytes, at: 2)
            try insert.run()
            try bytes.withUnsafeBytes { raw in
                try insert.bind(key + "-raw", at: 1)
                try insert.bind(blob: raw, at: 2)
            }
            try insert.run()
        }
        let select = try db.prepare("SELECT body, typeof(body), length(body) FROM events WHERE key = ?")
        for (key, bytes) in cases {
            for suffix in ["", "-raw"] {
                try select.bind(key + suffix, at: 1)
                #expect(try select.step())
                #expect(!select.isNull(at: 0))
                #expect(select.string(at: 1) == "blob")
                #expect(select.int64(at: 2) == Int64(bytes.count))
                #expect(select.blob(at: 0) == bytes)
                #expect(select.withBlob(at: 0) { Array($0) } == bytes)
                #expect(select.value(at: 0) == .blob(bytes))
                #expect(try !select.step())
                select.reset()
            }
        }
    }

    @Test func textRoundTripsIncludingNonASCIIAndNUL() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (s TEXT)")
        let samples = ["", "plain", "héllo wörld — naïve", "日本語のテキスト", "emoji 🚀👩‍👩‍👧", "nul\u{0}inside", String(repeating: "ü", count: 100_000)]
        let insert = try db.prepare("INSERT INTO t (s) VALUES (?)")
        for sample in samples { try insert.run([.text(sample)]) }
        let select = try db.prepare("SELECT s, typeof(s) FROM t ORDER BY rowid")
        var read: [String] = []
        while try select.step() {
            #expect(select.string(at: 1) == "text")
            read.append(try #require(select.string(at: 0)))
        }
        #expect(read == samples)
    }

    @Test func nullHandling() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (a, b, c)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?)")
        try insert.bind(nil as String?, at: 1)
        try insert.bindNull(at: 2)
        try insert.bind(7, at: 3)
        try insert.run()
        insert.clearBindings()  // all NULL now
        try insert.run()
        try insert.run([.null, .integer(1), .real(2.5)])

        let select = try db.prepare("SELECT a, b, c FROM t ORDER BY rowid")
        #expect(try select.step())
        #expect(select.isNull(at: 0) && select.isNull(at: 1) && !select.isNull(at: 2))
        #expect(select.string(at: 0) == nil)
        #expect(select.blob(at: 0) == [])
        #expect(select.int64(at: 0) == 0)
        #expect(select.value(at: 1) == .null)
        #expect(select.value(at: 2) == .integer(7))
        #expect(try select.step())
        #expect((0..<3).allSatisfy { select.isNull(at: $0) })
        #expect(try select.step())
        #expect(select.value(at: 1) == .integer(1))
        #expect(select.value(at: 2) == .real(2.5))
        #expect(select.double(at: 2) == 2.5)
        #expect(select.columnCount == 3)
        #expect(try !select.step())
    }

    @Test func valueBindingChecksParameterCount() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let stmt = try db.prepare("SELECT ?, ?")
        let error = try #require(throws: SQLiteError.self) { try stmt.bind([.integer(1)]) }
        #expect(error.code == 25)  // SQLITE_RANGE
        #expect(throws: SQLiteError.self) { try stmt.bind(Int64(1), at: 3) }
        try stmt.bind([.integer(Int64.min), .blob([1, 2])])
        #expect(try stmt.step())
        #expect(stmt.value(at: 0) == .integer(Int64.min))
        #expect(stmt.value(at: 1) == .blob([1, 2]))
    }

    @Test func secondConnectionSeesCommittedDataWhileWriterHoldsTransaction() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let writer = try makeDatabase(dir)
        let reader = try SQLiteConnection(path: dir.path("test.db"), busyTimeoutMilliseconds: 50)
        try writer.prepare("INSERT INTO events (key) VALUES ('committed')").run()
        try writer.transaction {
            try writer.prepare("INSERT INTO events (key) VALUES ('pending')").run()
            // Under WAL the reader neither blocks nor sees uncommitted rows.
            #expect(try count(reader) == 1)
            #expect(try count(reader, "SELECT count(*) FROM events WHERE key = 'pending'") == 0)
        }
        #expect(try count(reader) == 2)
    }

    @Test func secondWriterTimesOutWithBusy() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let first = try makeDatabase(dir)
        let second = try SQLiteConnection(path: dir.path("test.db"), busyTimeoutMilliseconds: 50)
        try first.execute("BEGIN IMMEDIATE")
        let started = ContinuousClock.now
        let error = try #require(throws: SQLiteError.self) {
            try second.transaction(.immediate) { }
        }
        let elapsed = ContinuousClock.now - started
        #expect(error.isBusy)
        #expect(error.code == 5)
        #expect(elapsed >= .milliseconds(40))
        #expect(elapsed < .seconds(3))
        try first.execute("COMMIT")
        try second.transaction(.immediate) { try second.prepare("INSERT INTO events (key) VALUES ('late')").run() }
        #expect(try count(first) == 1)
    }

    @Test func closeIsIdempotentAndLaterUseThrows() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let stmt = try db.prepare("SELECT 1")
        db.close()
        db.close()
        #expect(throws: SQLiteError.self) { try db.execute("SELECT 1") }
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1") }
        let error = try #require(throws: SQLiteError.self) { try stmt.step() }
        #expect(error.code == 21)  // SQLITE_MISUSE
        #expect(db.changes == 0)
    }

    @Test func openFailuresThrow() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let error = try #require(throws: SQLiteError.self) {
            try SQLiteConnection(path: dir.path("missing/nope.db"), options: .readOnly)
        }
        #expect(error.code == 14)  // SQLITE_CANTOPEN
        #expect(throws: SQLiteError.self) { try SQLiteConnection(path: dir.path("x.db"), options: [.readOnly, .create]) }
    }
}
