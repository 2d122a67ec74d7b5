import ForwarderCore
import Gzip
import Journal
import NIOCore

/// Writes records into gzip files that become visible only when complete: each file is written
/// as `<name>.part`, and on rotation (size, age, shutdown) it is finished, fsynced, committed in
/// the journal together with the output position, then renamed to its final name. A crash at
/// any point leaves either a file that recovery completes or one it discards: exactly once.
///
/// Compression runs off the output's own task: the records of a file are cut into independent
/// gzip members of about a megabyte (`GzipMembers`), compressed on NIO's blocking thread pool
/// two at a time while the output reads and encodes the next batch, and written in order. Once
/// the file could reach `max_bytes` with what is still compressing, the rest of the file is
/// compressed inline as one member, as before, so size rotation sees exact sizes. Nothing is
/// committed before the seal has written every member and fsynced the file.
///
/// A failed write or seal (a full or read-only disk) leaves the open file's state unknown, so
/// `recover` — which the output service calls before every retry — first drops the file being
/// written (its handle, compressor, members and unwritten bytes) and only then settles the
/// journal's file records: the `.part` is removed while nothing writes into it, and the retry
/// compresses the uncommitted records afresh into a new file.
package actor RotatingFileSink: RecordSink {
    /// Settings of one rotating file output.
    package struct Settings: Sendable {
        package var template: FileNameTemplate
        package var gzipLevel: Int
        package var rotation: RotationPolicy
        package var permissions: FilePermissions
        /// False writes the records as they are (a replay of a plain-file output); the file still
        /// becomes visible only when complete.
        package var gzip: Bool

        package init(template: FileNameTemplate, gzipLevel: Int = 6, rotation: RotationPolicy, permissions: FilePermissions = FilePermissions(),
                    gzip: Bool = true) {
            self.template = template
            self.gzipLevel = gzipLevel
            self.rotation = rotation
            self.permissions = permissions
            self.gzip = gzip
        }
    }

    private struct OpenFile {
        var record: OutputFile
        var file: PosixFile
        /// Members compressing on the thread pool; nil when the records are written uncompressed.
        var members: GzipMembers?
        /// The member compressed inline once size rotation needs exact sizes.
        var compressor: GzipCompressor?
        var openedAt: Timestamp
        var records = 0
        var bytesOnDisk: Int64 = 0
    }

    private let settings: Settings
    private var current: OpenFile?
    private var counter: Int64 = 0
    private var pending: [UInt8] = []
    private static let writeChunk = 256 * 1024

    package init(settings: Settings) {
        self.settings = settings
        pending.reserveCapacity(Self.writeChunk * 2)
    }

    package func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        discardOpenFile()
        for step in FileRecovery.rotating(files, disk: .posix) {
            switch step {
            case .rename(let from, let to): try PosixFile.rename(from, to: to)
            case .remove(let path): try PosixFile.remove(path)
            case .forget(let partPath): try await commit(.fileDone(partPath: partPath))
            case .leave, .resume: break  // append files only
            }
        }
        counter = position.fileCounter
        return position
    }

    package func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        guard batch.count > 0 else { return }
        if current == nil {
            try await open(firstSequence: batch.first, now: now, commit: commit)
        }
        guard current != nil else { return }
        do {
            if let compressor = current?.compressor {
                try batch.bytes.withUnsafeReadableBytes { try compressor.compress($0, into: &pending) }
            } else if current?.members != nil {
                current?.members?.add(batch.bytes)
            } else {
                pending.append(contentsOf: batch.bytes.readableBytesView)
            }
            current?.records += batch.count
            current?.record.lastSequence = batch.through
            try writePending(force: false)
            while let job = current?.members?.takeOldestOverLimit() {
                try await writeMember(job)
            }
            try await settleSizeIfNeeded()
        } catch {
            // What reached the file is unknown: never add to it again.
            discardOpenFile()
            throw error
        }
        if let file = current,
           settings.rotation.shouldRotate(bytes: file.bytesOnDisk + Int64(pending.count), records: file.records, openedAt: file.openedAt, now: now) {
            try await seal(now: now, commit: commit)
        }
    }

    package func tick(now: Timestamp, commit: OutputCommitter) async throws {
        guard let file = current else { return }
        if settings.rotation.shouldRotate(bytes: file.bytesOnDisk + Int64(pending.count), records: file.records, openedAt: file.openedAt, now: now) {
            try await seal(now: now, commit: commit)
        }
    }

    package func nextDeadline() -> Timestamp? {
        current.flatMap { settings.rotation.deadline(openedAt: $0.openedAt) }
    }

    package func finish(now: Timestamp, commit: OutputCommitter) async throws {
        if current != nil { try await seal(now: now, commit: commit) }
    }

    /// Forgets the file being written: its records are after the committed position and are
    /// written again; the `.part` itself is an open file record that recovery removes. Members
    /// still compressing finish on the pool and are dropped.
    private func discardOpenFile() {
        current?.file.close()
        current = nil
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes `pending` once it holds a chunk (or, with `force`, whatever it holds).
    private func writePending(force: Bool) throws {
        guard let file = current?.file, !pending.isEmpty, force || pending.count >= Self.writeChunk else { return }
        try file.write(pending)
        current?.bytesOnDisk += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    /// Awaits one member and appends it to the file.
    private func writeMember(_ job: GzipMembers.Job) async throws {
        let bytes = try await job.output.get()
        guard let file = current?.file else { return }
        try file.write(bytes)
        current?.bytesOnDisk += Int64(bytes.count)
    }

    /// While members compress, the file's size is known only after them. Once what is on disk
    /// plus the most the unwritten input can compress to reaches `max_bytes`, waits for the
    /// members and compresses the rest of the file inline, so the size check is exact from
    /// there on, as it is with one member.
    private func settleSizeIfNeeded() async throws {
        guard let maxBytes = settings.rotation.maxBytes, var members = current?.members else { return }
        let known = (current?.bytesOnDisk ?? 0) + Int64(pending.count)
        guard known + Int64(members.unwrittenOutputBound) >= maxBytes else { return }
        current?.members = nil
        let (jobs, rest) = members.drain()
        for job in jobs { try await writeMember(job) }
        let compressor = try GzipCompressor(level: members.level)
        current?.compressor = compressor
        for buffer in rest {
            try buffer.withUnsafeReadableBytes { try compressor.compress($0, into: &pending) }
        }
        try writePending(force: false)
    }

    private func open(firstSequence: Int64, now: Timestamp, commit: OutputCommitter) async throws {
        counter += 1
        let finalPath = settings.template.freshPath(openedAt: now, counter: &counter) { path in
            PosixFile.exists(path) || PosixFile.exists(path + ".part")
        }
        let record = OutputFile(partPath: finalPath + ".part", finalPath: finalPath, firstSequence: firstSequence, lastSequence: firstSequence)
        try await commit(.openFile(record))
        let file = try PosixFile(appendingTo: record.partPath, permissions: settings.permissions)
        current = OpenFile(record: record, file: file, members: settings.gzip ? GzipMembers(level: settings.gzipLevel) : nil, openedAt: now)
        pending.removeAll(keepingCapacity: true)
    }

    private func seal(now: Timestamp, commit: OutputCommitter) async throws {
        guard current != nil else { return }
        do {
            if let jobs = current?.members?.finish() {
                for job in jobs { try await writeMember(job) }
            }
            try current?.compressor?.finish(into: &pending)
            try writePending(force: true)
        } catch {
            // From here the file is either sealed or, on any failure, left for `recover` to remove.
            discardOpenFile()
            throw error
        }
        guard var file = current else { return }
        // From here the file is either sealed or, on any failure, left for `recover` to remove.
        current = nil
        defer { file.file.close() }
        try file.file.sync()
        file.file.close()
        file.record.sealed = true
        let position = OutputPosition(sequence: file.record.lastSequence, byteOffset: 0, fileCounter: counter)
        try await commit(.sealFile(file.record, position))
        try PosixFile.rename(file.record.partPath, to: file.record.finalPath)
        try await commit(.fileDone(partPath: file.record.partPath))
    }
}
