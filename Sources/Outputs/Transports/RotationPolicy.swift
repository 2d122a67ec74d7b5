import ForwarderCore

/// When an open output file must be closed and a new one started. A pure value.
public struct RotationPolicy: Sendable, Equatable {
    /// Close once the file on disk reaches this many bytes.
    public var maxBytes: Int64
    /// Close once the file has been open this long (and holds at least one record).
    public var maxAge: Duration

    public init(maxBytes: Int64, maxAge: Duration) {
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }

    public func shouldRotate(bytes: Int64, records: Int, openedAt: Timestamp, now: Timestamp) -> Bool {
        guard records > 0 else { return false }
        return bytes >= maxBytes || now.duration(since: openedAt) >= maxAge
    }

    /// When an open file will be due by age, for the output's timer.
    public func deadline(openedAt: Timestamp) -> Timestamp {
        openedAt.adding(maxAge)
    }
}
