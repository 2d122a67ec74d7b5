import SQLite

/// A journal operation that failed, with what the forwarder was doing and the SQLite reason.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var underlying: String
    /// True when SQLite reported the database busy or locked (another process holds it).
    public var isBusy: Bool

    public init(operation: String, path: String, underlying: String, isBusy: Bool = false) {
        self.operation = operation
        self.path = path
        self.underlying = underlying
        self.isBusy = isBusy
    }

    init(_ operation: String, path: String, _ error: any Error) {
        self.operation = operation
        self.path = path
        if let sqlite = error as? SQLiteError {
            self.underlying = sqlite.description
            self.isBusy = sqlite.isBusy
        } else {
            self.underlying = "\(error)"
            self.isBusy = false
        }
    }

    public var description: String {
        "Journal \(path) could not \(operation): \(underlying)" + (isBusy ? " (is another forwarder using the same state.dir?)" : "")
    }
}
