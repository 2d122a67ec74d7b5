import ForwarderCore

/// When an output file is closed and a new one started: by size, by age, or both. A limit that is
/// nil never triggers, so a size-only policy has no timer at all.
package struct RotationPolicy: Sendable, Equatable {
    /// Close once the file on disk reaches this many bytes.
    package var maxBytes: Int64?
    /// Close once the file has been open this long (and holds at least one record).
    package var maxAge: Duration?

    package init(maxBytes: Int64?, maxAge: Duration?) {
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }

    package func shouldRotate(bytes: Int64, records: Int, openedAt: Timestamp, now: Timestamp) -> Bool {
        guard records > 0 else { return false }
        if let maxBytes, bytes >= maxBytes { return true }
        if let maxAge, now.duration(since: openedAt) >= maxAge { return true }
        return false
    }

    /// When an open file will be due by age, for the output's timer; nil when age never closes it.
    package func deadline(openedAt: Timestamp) -> Timestamp? {
        maxAge.map { openedAt.adding($0) }
    }
}
