/// A job stopped because `replay cancel` (or `DELETE /admin/replays/{id}`) asked it to.
package struct ReplayCancelled: Error, CustomStringConvertible, Sendable {
    package var id: String
    package var description: String { "Replay \(id) was cancelled; running the same replay again continues it." }
}

/// A job stopped because its process is stopping; it stays `running` and resumes on the next start.
package struct ReplayInterrupted: Error, CustomStringConvertible, Sendable {
    package var id: String
    package var description: String { "Replay \(id) was interrupted by a shutdown; it resumes on the next start." }
}

/// The job is being run by another process (or its journal cannot be opened).
package struct ReplayBusy: Error, CustomStringConvertible, Sendable {
    package var id: String
    package var reason: String?
    package var description: String {
        reason.map { "Replay \(id) cannot lock its journal: \($0)." }
            ?? "Replay \(id) is already running (another `replay` process or the sidecar has it); follow it with `replay list`."
    }
}
