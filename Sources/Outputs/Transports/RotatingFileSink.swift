import ForwarderCore
import Gzip
import Journal
import NIOCore

/// Writes records into gzip files that become visible only when complete: each file is written
/// as `<name>.part`, and on rotation (size, age, shutdown) it is finished, fsynced, committed in
/// the journal together with the output position, then renamed to its final name. A crash at
/// any point leaves either a file that recovery completes or one it discards: exactly once.
///
/// A failed write or seal (a full or read-only disk) leaves the open file's state unknown, so
/// `recover` — which the output service calls before every retry — first drops the file being
/// written (its handle, compressor and unwritten bytes) and only then settles the journal's file
/// records: the `.part` is removed while nothing writes into it, and the retry compresses the
/// uncommitted records afresh into a new file.
public actor RotatingFileSink: RecordSink {
    /// Settings of one rotating file output.
    public struct Settings: Sendable {
        public var template: FileNameTemplate
        public var gzipLevel: Int
        public var rotation: RotationPolicy
        public var permissions: FilePermissions
        /// False writes the records as they are (a replay of a plain-file output); the file still
        /// becomes visible only when complete.
        public var gzip: Bool

        public init(template: FileNameTemplate, gzipLevel: Int = 6, rotation: RotationPolicy, permissions: FilePermissions = FilePermissions(),
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
        /// Nil when the records are written uncompressed.
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

    public init(settings: Settings) {
        self.settings = settings
        pending.reserveCapacity(Self.writeChunk * 2)
    }

    public func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
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

    public func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        guard batch.count > 0 else { return }
        if current == nil {
            try await open(firstSequence: batch.first, now: now, commit: commit)
        }
        guard var file = current else { return }
        do {
            if let compressor = file.compressor {
                try batch.bytes.withUnsafeReadableBytes { try compressor.compress($0, into: &pending) }
            } else {
                pending.append(contentsOf: batch.bytes.readableBytesView)
            }
            if pending.count >= Self.writeChunk {
                try file.file.write(pending)
                file.bytesOnDisk += Int64(pending.count)
                pending.removeAll(keepingCapacity: true)
            }
        } catch {
            // What reached the file is unknown: never add to it again.
            discardOpenFile()
            throw error
        }
        file.records += batch.count
        file.record.lastSequence = batch.through
        current = file
        if settings.rotation.shouldRotate(bytes: file.bytesOnDisk + Int64(pending.count), records: file.records, openedAt: file.openedAt, now: now) {
            try await seal(now: now, commit: commit)
        }
    }

    public func tick(now: Timestamp, commit: OutputCommitter) async throws {
        guard let file = current else { return }
        if settings.rotation.shouldRotate(bytes: file.bytesOnDisk + Int64(pending.count), records: file.records, openedAt: file.openedAt, now: now) {
            try await seal(now: now, commit: commit)
        }
    }

    public func nextDeadline() -> Timestamp? {
        current.flatMap { settings.rotation.deadline(openedAt: $0.openedAt) }
    }

    public func finish(now: Timestamp, commit: OutputCommitter) async throws {
        if current != nil { try await seal(now: now, commit: commit) }
    }

    /// Forgets the file being written: its records are after the committed position and are
    /// written again; the `.part` itself is an open file record that recovery removes.
    private func discardOpenFile() {
        current?.file.close()
        current = nil
        pending.removeAll(keepingCapacity: true)
    }

    private func open(firstSequence: Int64, now: Timestamp, commit: OutputCommitter) async throws {
        counter += 1
        let finalPath = settings.template.freshPath(openedAt: now, counter: &counter) { path in
            PosixFile.exists(path) || PosixFile.exists(path + ".part")
        }
        let record = OutputFile(partPath: finalPath + ".part", finalPath: finalPath, firstSequence: firstSequence, lastSequence: firstSequence)
        try await commit(.openFile(record))
        let file = try PosixFile(appendingTo: record.partPath, permissions: settings.permissions)
        current = OpenFile(record: record, file: file, compressor: settings.gzip ? try GzipCompressor(level: settings.gzipLevel) : nil, openedAt: now)
        pending.removeAll(keepingCapacity: true)
    }

    private func seal(now: Timestamp, commit: OutputCommitter) async throws {
        guard var file = current else { return }
        // From here the file is either sealed or, on any failure, left for `recover` to remove.
        current = nil
        defer { file.file.close() }
        try file.compressor?.finish(into: &pending)
        try file.file.write(pending)
        pending.removeAll(keepingCapacity: true)
        try file.file.sync()
        file.file.close()
        file.record.sealed = true
        let position = OutputPosition(sequence: file.record.lastSequence, byteOffset: 0, fileCounter: counter)
        try await commit(.sealFile(file.record, position))
        try PosixFile.rename(file.record.partPath, to: file.record.finalPath)
        try await commit(.fileDone(partPath: file.record.partPath))
    }
}
