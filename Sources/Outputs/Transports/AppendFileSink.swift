import ForwarderCore
import Journal
import Logging
import NIOCore

/// Appends records to a plain file that Splunk's Universal Forwarder or Filebeat tails. After
/// each batch the file is fsynced and its length committed with the output position; on restart
/// the file is truncated back to that length before the uncommitted events are written again, so
/// a crash leaves neither a duplicate nor a torn line: exactly once.
///
/// With rotation, a file whose path template has placeholders is simply closed and the next one
/// opened under a new name; a fixed path is renamed to `<path>.<NNNNNN>` first (logrotate style),
/// and the rename is committed before it happens so a crash in between is completed on restart.
///
/// Recovery cuts back only a file it can prove it wrote: the journal's active file must be one
/// the configured `path` produces and still be the same file (device and inode). A state
/// directory restored elsewhere, a changed `path:`, or a file replaced under the same name leaves
/// that file untouched and continues in the configured path. While a file is active it holds an
/// exclusive `flock`, so a second forwarder (a copy of the state directory, say) cannot write it.
package actor AppendFileSink: RecordSink {
    /// Settings of one append-file output.
    package struct Settings: Sendable {
        package var template: FileNameTemplate
        package var rotation: RotationPolicy?
        package var permissions: FilePermissions

        package init(template: FileNameTemplate, rotation: RotationPolicy?, permissions: FilePermissions = FilePermissions()) {
            self.template = template
            self.rotation = rotation
            self.permissions = permissions
        }
    }

    private struct ActiveFile {
        var record: OutputFile
        var file: PosixFile
        var length: Int64
        /// When the file was opened, or first written after a restart (its age for rotation).
        var openedAt: Timestamp?
        var records = 0
    }

    private let settings: Settings
    private let logger: Logger
    private let fixedPath: Bool
    private var current: ActiveFile?
    private var counter: Int64 = 0
    private var sequence: Int64 = 0

    /// `logger` reports what recovery repairs (a file cut back to its committed length).
    package init(settings: Settings, logger: Logger = Logger(label: "append-file", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.settings = settings
        self.logger = logger
        fixedPath = !FileTransportConfig.placeholders.contains { settings.template.template.contains("{\($0)}") }
    }

    package func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        current?.file.close()
        current = nil
        counter = position.fileCounter
        sequence = position.sequence
        for step in FileRecovery.append(files, template: settings.template, disk: .posix) {
            switch step {
            case .rename(let from, let to):
                // A rotation committed but not carried out: finish the rename.
                try PosixFile.rename(from, to: to)
            case .remove(let path):
                try PosixFile.remove(path)
            case .forget(let partPath):
                try await commit(.fileDone(partPath: partPath))
            case .leave(let path, let reason):
                // Not provably ours: left as it is; the events after the committed position go to
                // the configured path, opened afresh by the next write.
                logger.warning("Leaving \(path) untouched and continuing in the configured path: \(reason)", metadata: [
                    "committed_bytes": "\(position.byteOffset)", "path": "\(settings.template.template)",
                ])
            case .resume(let active):
                try resume(active, committedLength: position.byteOffset)
            }
        }
        return position
    }

    package func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        guard batch.count > 0 else { return }
        if current == nil {
            try await open(firstSequence: batch.first, now: now, commit: commit)
        }
        guard var active = current else { return }
        let openedAt = active.openedAt ?? now
        active.openedAt = openedAt
        try batch.bytes.withUnsafeReadableBytes { try active.file.write($0) }
        try active.file.sync()
        active.length += Int64(batch.bytes.readableBytes)
        active.records += batch.count
        active.record.lastSequence = batch.through
        current = active
        self.sequence = batch.through
        try await commit(.position(OutputPosition(sequence: batch.through, byteOffset: active.length, fileCounter: counter)))
        if let rotation = settings.rotation,
           rotation.shouldRotate(bytes: active.length, records: active.records, openedAt: openedAt, now: now) {
            try await rotate(commit: commit)
        }
    }

    package func tick(now: Timestamp, commit: OutputCommitter) async throws {
        guard let rotation = settings.rotation, let active = current, let openedAt = active.openedAt else { return }
        if rotation.shouldRotate(bytes: active.length, records: active.records, openedAt: openedAt, now: now) {
            try await rotate(commit: commit)
        }
    }

    package func nextDeadline() -> Timestamp? {
        guard let rotation = settings.rotation, let active = current, active.records > 0, let openedAt = active.openedAt else { return nil }
        return rotation.deadline(openedAt: openedAt)
    }

    /// After logrotate: with `create` the path names a new, empty file (ours was renamed away);
    /// with `copytruncate` it is our file, cut to zero. Either way the file at the path becomes
    /// the active one, its present length the committed one; the records before it are where
    /// logrotate put them.
    package func reopen(now: Timestamp, commit: OutputCommitter) async throws {
        guard let active = current else { return }
        active.file.close()
        current = nil
        let file = try PosixFile(appendingTo: active.record.partPath, permissions: settings.permissions)
        try lock(file)
        let length = try file.size()
        var record = active.record
        record.identity = try file.identity()
        try await commit(.position(OutputPosition(sequence: sequence, byteOffset: length, fileCounter: counter)))
        try await commit(.openFile(record))
        let reopened = record.identity != active.record.identity || length < active.length
        current = ActiveFile(record: record, file: file, length: length, openedAt: reopened ? now : active.openedAt, records: reopened ? 0 : active.records)
        if reopened {
            logger.notice("Reopened \(record.partPath) after it was rotated; writing continues in the file now at that path", metadata: [
                "length": "\(length)",
            ])
        }
    }

    /// Everything is already durable after each batch; the file stays the active one so the next
    /// run appends to it.
    package func finish(now: Timestamp, commit: OutputCommitter) async throws {
        current?.file.close()
        current = nil
    }

    /// Continues the active file, cut back to what was committed: bytes after it belong to events
    /// that are written again from the journal.
    private func resume(_ active: OutputFile, committedLength: Int64) throws {
        let file = try PosixFile(appendingTo: active.partPath, permissions: settings.permissions)
        try lock(file)
        let onDisk = try file.size()
        if onDisk > committedLength {
            try file.truncate(to: committedLength)
            try file.sync()
            logger.notice("Cut \(active.partPath) back to its committed length; the events after it are written again", metadata: [
                "committed_bytes": "\(committedLength)", "removed_bytes": "\(onDisk - committedLength)",
            ])
        }
        var record = active
        if record.identity == nil { record.identity = try file.identity() }
        current = ActiveFile(record: record, file: file, length: min(onDisk, committedLength), openedAt: nil)
    }

    /// Holds the active file's lock, or says who else writes it.
    private func lock(_ file: PosixFile) throws {
        guard try file.tryLockExclusively() else {
            file.close()
            throw AppendFileInUse(path: file.path)
        }
    }

    private func open(firstSequence: Int64, now: Timestamp, commit: OutputCommitter) async throws {
        counter += 1
        let path = fixedPath
            ? settings.template.path(openedAt: now, counter: counter)
            : settings.template.freshPath(openedAt: now, counter: &counter) { PosixFile.exists($0) }
        let file = try PosixFile(appendingTo: path, permissions: settings.permissions)
        try lock(file)
        let existing = try file.size()
        // The length to truncate back to is committed before the file becomes the active one, so
        // a crash between the two never truncates bytes an earlier run left in a reused path.
        try await commit(.position(OutputPosition(sequence: sequence, byteOffset: existing, fileCounter: counter)))
        let record = OutputFile(partPath: path, finalPath: path, firstSequence: firstSequence, lastSequence: firstSequence,
                                identity: try file.identity())
        try await commit(.openFile(record))
        try PosixFile.syncDirectory(of: path)
        current = ActiveFile(record: record, file: file, length: existing, openedAt: now)
    }

    private func rotate(commit: OutputCommitter) async throws {
        guard var active = current else { return }
        active.file.close()
        current = nil
        if fixedPath {
            var rotated = active.record.partPath + "." + Self.pad(counter)
            var suffix = counter
            while PosixFile.exists(rotated) {
                suffix += 1
                rotated = active.record.partPath + "." + Self.pad(suffix)
            }
            active.record.finalPath = rotated
        }
        active.record.sealed = true
        try await commit(.sealFile(active.record, OutputPosition(sequence: sequence, byteOffset: 0, fileCounter: counter)))
        if active.record.finalPath != active.record.partPath {
            try PosixFile.rename(active.record.partPath, to: active.record.finalPath)
            try PosixFile.syncDirectory(of: active.record.finalPath)
        }
        try await commit(.fileDone(partPath: active.record.partPath))
    }

    private static func pad(_ value: Int64) -> String {
        let text = String(value)
        return text.count >= 6 ? text : String(repeating: "0", count: 6 - text.count) + text
    }
}

/// Another process holds the lock of an append file this output would write.
package struct AppendFileInUse: Error, CustomStringConvertible, Sendable {
    package var path: String

    package var description: String {
        "Another process is writing \(path) (it holds the file's lock): two forwarders, for example a copy of this state directory, must not share an output file; give each its own path."
    }
}
