import SQLite

/// A journal operation that failed, with what the forwarder was doing and the SQLite reason.
package struct JournalError: Error, CustomStringConvertible, Sendable {
    package var operation: String
    package var path: String
    package var underlying: String
    /// True when SQLite reported the database busy or locked (another process holds it).
    package var isBusy: Bool
    /// True when the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB, a failed check): nothing
    /// should build on it until `checkpoint repair` has salvaged it.
    package var isDamaged: Bool

    package init(operation: String, path: String, underlying: String, isBusy: Bool = false, isDamaged: Bool = false) {
        self.operation = operation
        self.path = path
        self.underlying = underlying
        self.isBusy = isBusy
        self.isDamaged = isDamaged
    }

    init(_ operation: String, path: String, _ error: any Error) {
        self.operation = operation
        self.path = path
        if let sqlite = error as? SQLiteError {
            self.underlying = sqlite.description
            self.isBusy = sqlite.isBusy
            self.isDamaged = sqlite.isDamage
        } else {
            self.underlying = "\(error)"
            self.isBusy = false
            self.isDamaged = false
        }
    }

    /// What to do about a damaged journal, in the words of the command line.
    package static let repairAdvice = "the journal is damaged; nothing was changed. Stop the forwarder and run `siem-forwarder checkpoint repair --config <pipeline file>`: it copies every readable event, cursor and output position into a new journal and keeps the damaged file beside it, then start again"

    package var description: String {
        var text = "Journal \(path) could not \(operation): \(underlying)"
        if isBusy { text += " (is another forwarder using the same state.dir?)" }
        if isDamaged, operation != "be repaired" { text += " — " + Self.repairAdvice }
        return text
    }
}
