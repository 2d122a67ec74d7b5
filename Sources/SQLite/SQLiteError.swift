import CSQLite

/// An error reported by SQLite: the result code, the connection's message and the SQL that failed.
package struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// Primary result code (for example 19 for SQLITE_CONSTRAINT).
    package var code: Int32
    /// Extended result code (for example 2067 for SQLITE_CONSTRAINT_UNIQUE); equals `code` when none.
    package var extendedCode: Int32
    /// The connection's `sqlite3_errmsg` text (or `sqlite3_errstr` when no connection exists).
    package var message: String
    /// The statement that failed, if any.
    package var sql: String?

    package init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// Builds an error for `resultCode`, reading the message from `db` when there is one.
    init(resultCode: Int32, db: OpaquePointer?, sql: String?) {
        let message: String
        if let db, let text = sqlite3_errmsg(db) {
            message = String(cString: text)
        } else {
            message = Self.codeText(resultCode)
        }
        self.init(code: resultCode, extendedCode: resultCode, message: message, sql: sql)
    }

    /// SQLITE_BUSY or SQLITE_LOCKED: another connection (or statement) holds a conflicting lock.
    package var isBusy: Bool {
        code == SQLITE_BUSY || code == SQLITE_LOCKED
    }

    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged, truncated or not a database.
    package var isDamage: Bool {
        code == SQLITE_CORRUPT || code == SQLITE_NOTADB
    }

    package var description: String {
        let general = Self.codeText(code)
        var text = "SQLite error \(code) ("
        text += message.isEmpty || message == general ? general : "\(general): \(message)"
        text += ")"
        if let sql {
            let shown = sql.count > 200 ? String(sql.prefix(200)) + "…" : sql
            text += " while running `\(shown)`"
        }
        return text
    }

    private static func codeText(_ code: Int32) -> String {
        guard let text = sqlite3_errstr(code) else { return "unknown error" }
        return String(cString: text)
    }
}
