import ForwarderCore

/// How many events one `append` stored and how many were already in the journal.
package struct AppendResult: Sendable, Equatable {
    package var inserted: Int
    package var duplicates: Int

    package init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// A source's opaque checkpoint (the poller cursor), stored with the rows it covers.
package struct SourceCheckpoint: Sendable, Equatable {
    package var source: SourceID
    package var state: [UInt8]

    package init(source: SourceID, state: [UInt8]) {
        self.source = source
        self.state = state
    }
}

/// The merger's persisted progress: everything with `time <= frontier` is released, and the
/// last release sequence handed out.
package struct MergeProgress: Sendable, Equatable {
    package var frontier: Timestamp
    package var lastSequence: Int64
}

/// The outcome of one release step.
package struct ReleaseBatch: Sendable, Equatable {
    package var released: Int
    package var late: Int
    package var lastSequence: Int64
    /// True when no pending row at or before the target remains (the frontier was stored).
    package var complete: Bool

    package init(released: Int, late: Int, lastSequence: Int64, complete: Bool) {
        self.released = released
        self.late = late
        self.lastSequence = lastSequence
        self.complete = complete
    }
}

/// Where an output has got to in the release sequence, durably.
package struct OutputPosition: Sendable, Equatable {
    /// The last release sequence the output has delivered.
    package var sequence: Int64
    /// For append files: the file size that holds exactly the delivered records.
    package var byteOffset: Int64
    /// For rotating files: how many files this output has started (names the next one).
    package var fileCounter: Int64

    package init(sequence: Int64 = 0, byteOffset: Int64 = 0, fileCounter: Int64 = 0) {
        self.sequence = sequence
        self.byteOffset = byteOffset
        self.fileCounter = fileCounter
    }
}

/// An output file tracked through its life: open (being written as `.part`), then sealed (its
/// range committed, the rename to its final name pending until recorded complete).
package struct OutputFile: Sendable, Equatable {
    package var partPath: String
    package var finalPath: String
    package var firstSequence: Int64
    package var lastSequence: Int64
    package var sealed: Bool
    /// Which file on which device the output wrote (append files), so recovery never cuts back
    /// a file at that path that this state directory did not write; nil in records from before
    /// it was kept.
    package var identity: FileIdentity?

    package init(partPath: String, finalPath: String, firstSequence: Int64, lastSequence: Int64, sealed: Bool = false,
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
package struct FileIdentity: Sendable, Equatable, CustomStringConvertible {
    package var device: UInt64
    package var inode: UInt64
    /// Nanoseconds since the epoch; nil where the file system does not record it.
    package var birth: Int64?

    package init(device: UInt64, inode: UInt64, birth: Int64? = nil) {
        self.device = device
        self.inode = inode
        self.birth = birth
    }

    /// Whether both name the same file: device and inode match, and the birth times where both know one.
    package func isSameFile(as other: FileIdentity) -> Bool {
        guard device == other.device, inode == other.inode else { return false }
        guard let birth, let otherBirth = other.birth else { return true }
        return birth == otherBirth
    }

    package var description: String { "device \(device), inode \(inode)" + (birth.map { ", born \($0) ns" } ?? "") }
}

/// Counts for `checkpoint show`, metrics and readiness.
package struct JournalStats: Sendable, Equatable {
    package var events: Int64
    package var pending: Int64
    package var lastSequence: Int64
    package var frontier: Timestamp
}

/// An output's distance behind the merged stream (for `/readyz` and the lag metrics).
package struct OutputBacklog: Sendable, Equatable {
    /// The output's committed sequence.
    package var committed: Int64
    /// The merger's last released sequence.
    package var released: Int64
    /// When the forwarder received the oldest released event the output has not delivered.
    package var oldestReceived: Timestamp?

    package init(committed: Int64, released: Int64, oldestReceived: Timestamp?) {
        self.committed = committed
        self.released = released
        self.oldestReceived = oldestReceived
    }

    /// Released events not yet delivered.
    package var pending: Int64 { max(0, released - committed) }

    /// Seconds since the oldest undelivered event was received; 0 when caught up.
    package func lagSeconds(now: Timestamp) -> Double {
        guard let oldestReceived, pending > 0 else { return 0 }
        return max(0, now.duration(since: oldestReceived).secondsDouble)
    }
}
