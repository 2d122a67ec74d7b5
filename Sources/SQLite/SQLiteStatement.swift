import CSQLite

/// A prepared statement; parameters are 1-based and columns 0-based, as in SQLite. Finalized on deinit.
package final class SQLiteStatement {
    private let handle: OpaquePointer
    /// Keeps the connection (and so the `sqlite3 *`) alive while the statement exists.
    private let connection: SQLiteConnection
    private let sql: String

    init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    package func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    package func bind(_ value: Int, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, Int64(value)))
    }

    package func bind(_ value: Double, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds UTF-8 text (embedded NULs included); nil binds NULL.
    package func bind(_ value: String?, at index: Int32) throws(SQLiteError) {
        guard var text = value else { return try bindNull(at: index) }
        let rc = text.withUTF8 { utf8 -> Int32 in
            // A nil base address would bind NULL, so point empty strings at a real (empty) C string.
            guard let base = utf8.baseAddress else {
                return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
            }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
                sqlite3_bind_text64(handle, index, chars, UInt64(utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
        try check(rc)
    }

    /// Binds a copy of `blob`; an empty buffer binds a zero-length blob, not NULL.
    package func bind(blob: UnsafeRawBufferPointer, at index: Int32) throws(SQLiteError) {
        guard let base = blob.baseAddress, !blob.isEmpty else {
            return try check(sqlite3_bind_zeroblob(handle, index, 0))
        }
        try check(sqlite3_bind_blob64(handle, index, base, UInt64(blob.count), csqlite_transient()))
    }

    package func bind(blob: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = blob.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), csqlite_transient())
        }
        try check(rc)
    }

    package func bindNull(at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds `values` to parameters 1...n; the count must match the statement's parameter count.
    package func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        let expected = sqlite3_bind_parameter_count(handle)
        guard values.count == Int(expected) else {
            throw SQLiteError(
                code: SQLITE_RANGE,
                message: "statement has \(expected) parameters but \(values.count) values were given",
                sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: try bindNull(at: index)
            case .integer(let v): try bind(v, at: index)
            case .real(let v): try bind(v, at: index)
            case .text(let v): try bind(v, at: index)
            case .blob(let v): try bind(blob: v, at: index)
            }
        }
    }

    // MARK: Execution

    /// Advances to the next row: true when a row is available, false when done. Resets itself on error.
    package func step() throws(SQLiteError) -> Bool {
        let db = try connection.openHandle(sql: sql)
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(resultCode: rc, db: db, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// `sqlite3_reset`: rewinds the statement (releasing its read snapshot) but keeps bindings.
    package func reset() {
        sqlite3_reset(handle)
    }

    package func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    /// Resets, binds `values` (unless empty: existing bindings are kept), steps to completion and resets.
    package func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        sqlite3_reset(handle)
        if !values.isEmpty { try bind(values) }
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    // MARK: Columns

    package var columnCount: Int32 {
        sqlite3_column_count(handle)
    }

    package func isNull(at column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    package func int64(at column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    package func double(at column: Int32) -> Double {
        sqlite3_column_double(handle, column)
    }

    /// The column as UTF-8 text (length from `sqlite3_column_bytes`, so embedded NULs survive); nil for NULL.
    package func string(at column: Int32) -> String? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL,
              let text = sqlite3_column_text(handle, column)
        else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// A copy of the column's bytes; [] for NULL or an empty blob.
    package func blob(at column: Int32) -> [UInt8] {
        withBlob(at: column) { Array($0) }
    }

    /// A zero-copy view of the column's bytes, valid only inside `body`.
    package func withBlob<R>(at column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let bytes = sqlite3_column_blob(handle, column) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    package func value(at column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: .integer(int64(at: column))
        case SQLITE_FLOAT: .real(double(at: column))
        case SQLITE_TEXT: .text(string(at: column) ?? "")
        case SQLITE_BLOB: .blob(blob(at: column))
        default: .null
        }
    }

    private func check(_ rc: Int32) throws(SQLiteError) {
        guard rc != SQLITE_OK else { return }
        throw SQLiteError(resultCode: rc, db: connection.handle, sql: sql)
    }
}

@available(*, unavailable, message: "SQLiteStatement is not thread-safe; keep it inside one actor")
extension SQLiteStatement: Sendable {}
