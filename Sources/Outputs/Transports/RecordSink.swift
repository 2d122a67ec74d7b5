import ForwarderCore
import Journal

/// A step a sink needs made durable in the journal before it goes on.
package enum OutputCommit: Sendable, Equatable {
    /// A `.part` file is about to be created; recorded so a crash can clean it up.
    case openFile(OutputFile)
    /// The records up to this position are durable at the destination.
    case position(OutputPosition)
    /// A finished file and the position it completes, committed together; the sink renames the
    /// file into place right after.
    case sealFile(OutputFile, OutputPosition)
    /// A file record is settled (renamed or removed) and can be forgotten.
    case fileDone(partPath: String)
}

/// Performs a sink's commits in the journal; sinks call it at the moment durability requires.
package struct OutputCommitter: Sendable {
    package var perform: @Sendable (OutputCommit) async throws -> Void

    package init(_ perform: @escaping @Sendable (OutputCommit) async throws -> Void) {
        self.perform = perform
    }

    package func callAsFunction(_ commit: OutputCommit) async throws {
        try await perform(commit)
    }

    /// Commits into `journal` under `output`; `committed` hears every position made durable.
    package static func journal(_ journal: Journal, output: String, clock: WallClock,
                               committed: @escaping @Sendable (Int64) async -> Void = { _ in }) -> OutputCommitter {
        OutputCommitter { commit in
            switch commit {
            case .openFile(let file):
                try await journal.openFile(output, file: file)
            case .position(let position):
                try await journal.commitOutput(output, position: position, at: clock.now())
                await committed(position.sequence)
            case .sealFile(let file, let position):
                try await journal.sealFile(output, file: file, position: position, at: clock.now())
                await committed(position.sequence)
            case .fileDone(let partPath):
                try await journal.completeFile(output, partPath: partPath)
            }
        }
    }

    /// Commits nothing (a replay's network outputs resend whole days instead).
    package static let discarding = OutputCommitter { _ in }
}

/// Writes framed records somewhere and says when they are durable. Sinks know nothing of
/// formats: the output service encodes and frames records, the sink only stores or sends them.
/// Every sink takes the same ``RecordBatch``: byte sinks write its bytes, record-wise sinks
/// (datagrams, messages) use its boundaries and keys.
package protocol RecordSink: Sendable {
    /// Completes or discards what an earlier run left behind; returns where to resume.
    func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition
    /// Accepts the framed records `batch.through - batch.count + 1 ... batch.through`.
    func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws
    /// Time-based work due at `now` (age rotation, periodic flush).
    func tick(now: Timestamp, commit: OutputCommitter) async throws
    /// When `tick` next has work, if ever.
    func nextDeadline() async -> Timestamp?
    /// Makes everything written durable and closes it (shutdown).
    func finish(now: Timestamp, commit: OutputCommitter) async throws
    /// Opens its file again by path (SIGHUP, after logrotate moved or truncated it); sinks
    /// without a long-lived file do nothing.
    func reopen(now: Timestamp, commit: OutputCommitter) async throws
}

extension RecordSink {
    package func reopen(now: Timestamp, commit: OutputCommitter) async throws {}
}
