import Foundation

/// The source of "now" for services; tests pass their own to control time.
package struct WallClock: Sendable {
    package var now: @Sendable () -> Timestamp

    package init(now: @escaping @Sendable () -> Timestamp) {
        self.now = now
    }

    /// The system's real-time clock.
    package static let system = WallClock {
        Timestamp(epochMilliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// Receives a source's watermark: "no event older than this is still expected from me".
package protocol WatermarkReporter: Sendable {
    func report(_ source: SourceID, watermark: Timestamp) async
    /// New rows were committed to the journal; the merger may have work, and must release them
    /// within its delay bound of `arrival.receivedAt`.
    func journalChanged(_ arrival: MergeState.Arrival) async
}
