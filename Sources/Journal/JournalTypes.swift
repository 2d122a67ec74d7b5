import ForwarderCore

/// How many events one `append` stored and how many were already in the journal.
public struct AppendResult: Sendable, Equatable {
    public var inserted: Int
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// A source's opaque checkpoint (the poller cursor), stored with the rows it covers.
public struct SourceCheckpoint: Sendable, Equatable {
    public var source: SourceID
    public var state: [UInt8]

    public init(source: SourceID, state: [UInt8]) {
        self.source = source
        self.state = state
    }
}

/// The merger's persisted progress: everything with `time <= frontier` is released, and the
/// last release sequence handed out.
public struct MergeProgress: Sendable, Equatable {
    public var frontier: Timestamp
    public var lastSequence: Int64
}

/// The outcome of one release step.
public struct ReleaseBatch: Sendable, Equatable {
    public var released: Int
    public var late: Int
    public var lastSequence: Int64
    /// True when no pending row at or before the target remains (the frontier was stored).
    public var complete: Bool

    public init(released: Int, late: Int, lastSequence: Int64, complete: Bool) {
        self.released = released
        self.late = late
        self.lastSequence = lastSequence
        self.complete = complete
    }
}

/// Where an output has got to in the release sequence, durably.
public struct OutputPosition: Sendable, Equatable {
    /// The last release sequence the output has delivered.
    public var sequence: Int64
    /// For append files: the file size that holds exactly the delivered records.
    public var byteOffset: Int64
    /// For rotating files: how many files this output has started (names the next one).
    public var fileCounter: Int64

    public init(sequence: Int64 = 0, byteOffset: Int64 = 0, fileCounter: Int64 = 0) {
        self.sequence = sequence
        self.byteOffset = byteOffset
        self.fileCounter = fileCounter
    }
}

/// An output file tracked through its life: open (being written as `.part`), then sealed (its
/// range committed, the rename to its final name pending until recorded complete).
public struct OutputFile: Sendable, Equatable {
    public var partPath: String
    public var finalPath: String
    public var firstSequence: Int64
    public var lastSequence: Int64
    public var sealed: Bool
    /// Which file on which device the output wrote (append files), so recovery never cuts back
    /// a file at that path that this state directory did not write; nil in records from before
    /// it was kept.
    public var identity: FileIdentity?

    public init(partPath: String, finalPath: String, firstSequence: Int64, lastSequence: Int64, sealed: Bool = false,
                identity: FileIdentity? = nil) {
        self.partPath = partPath
        self.finalPath = finalPath
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.sealed = sealed
        self.identity = identity
    }
}

/// A file's device and inode numbers and its birth time: the same path on a restored or copied
/// state directory's machine, or after someone replaced the file, names a different file (the
/// birth time tells a new file apart even when it got the freed inode number back).
public struct FileIdentity: Sendable, Equatable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64
    /// Nanoseconds since the epoch; nil where the file system does not record it.
    public var birth: Int64?

    public init(device: UInt64, inode: UInt64, birth: Int64? = nil) {
        self.device = device
        self.inode = inode
        self.birth = birth
    }

    /// Whether both name the same file: device and inode match, and the birth times where both know one.
    public func isSameFile(as other: FileIdentity) -> Bool {
        guard device == other.device, inode == other.inode else { return false }
        guard let birth, let otherBirth = other.birth else { return true }
        return birth == otherBirth
    }

    public var description: String { "device \(device), inode \(inode)" + (birth.map { ", born \($0) ns" } ?? "") }
}

/// Counts for `checkpoint show`, metrics and readiness.
public struct JournalStats: Sendable, Equatable {
    public var events: Int64
    public var pending: Int64
    public var lastSequence: Int64
    public var frontier: Timestamp
}

/// An output's distance behind the merged stream (for `/readyz` and the lag metrics).
public struct OutputBacklog: Sendable, Equatable {
    /// The output's committed sequence.
    public var committed: Int64
    /// The merger's last released sequence.
    public var released: Int64
    /// When the forwarder received the oldest released event the output has not delivered.
    public var oldestReceived: Timestamp?

    public init(committed: Int64, released: Int64, oldestReceived: Timestamp?) {
        self.committed = committed
        self.released = released
        self.oldestReceived = oldestReceived
    }

    /// Released events not yet delivered.
    public var pending: Int64 { max(0, released - committed) }

    /// Seconds since the oldest undelivered event was received; 0 when caught up.
    public func lagSeconds(now: Timestamp) -> Double {
        guard let oldestReceived, pending > 0 else { return 0 }
        return max(0, now.duration(since: oldestReceived).secondsDouble)
    }
}
