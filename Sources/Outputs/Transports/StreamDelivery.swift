import ForwarderCore

/// The at-least-once decisions of a TCP or TLS output, without sockets or a clock: which written
/// batches are still unconfirmed, when the collector's acknowledgements confirm them, what a
/// connection that ended costs (which records are sent again, from which position, after which
/// back-off), whether a new connection may be opened, and how `finish` ends the last one.
/// ``StreamSink`` reads the socket and the connection's phase, passes them in with the time, and
/// performs the actions returned.
///
/// A batch's last sequence is committed once
/// - the collector's TCP stack acknowledged every byte up to the batch's end and the connection
///   stayed up for `confirmDelay` after the write (a collector that acknowledged bytes into its
///   socket buffer and then died or closed before reading them resets the connection within
///   that time); or
/// - the collector then closed the connection cleanly (FIN, or TLS close_notify): a peer closing
///   with unread data resets the connection instead, so what it acknowledged, it read; or
/// - at `finish`, TLS ended with the collector's close_notify after ours: it read everything.
///
/// States: ``State/idle`` (no connection) → `connected()` → ``State/sending`` ⇄ ``State/checking(_:)``
/// (an acknowledgement is being read) → a connection that ended → ``State/idle``;
/// ``State/sending`` → `finishing(at:)` → ``State/finishing(_:)`` → ``State/idle``.
struct StreamDelivery: Sendable {
    /// The journal records `sequence - count + 1 ... sequence`, handed to the socket in one write.
    struct Batch: Sendable, Equatable {
        var sequence: Int64
        var count: Int
    }

    /// A batch written on the open connection and not yet confirmed.
    struct Unconfirmed: Sendable, Equatable {
        var batch: Batch
        /// Bytes sent on the connection once this batch was written, TLS records included.
        var bytesAfter: Int64
        /// When the write completed.
        var writtenAt: Timestamp
    }

    /// Where the delivery is.
    enum State: Sendable, Equatable {
        /// No connection, so nothing is unconfirmed; the next write opens one.
        case idle
        /// A connection is open; the batches written on it wait for confirmation, oldest first.
        case sending
        /// The sink is reading the acknowledged byte count for a check.
        case checking(Check)
        /// `finish` is closing the connection.
        case finishing(Finishing)
    }

    /// What an acknowledgement read during a check is for.
    enum Check: Sendable, Equatable {
        /// The oldest batch is past its confirm delay on an open connection.
        case open
        /// The collector closed its side cleanly: what it acknowledged, it read.
        case peerClosed
    }

    /// The progress of `finish`.
    struct Finishing: Sendable, Equatable {
        /// The `now` of `finish`: its deadline and the usual rule's cut-off count from here.
        var began: Timestamp
        /// The last acknowledged byte count read (a read that fails keeps the one before).
        var acknowledged: Int64? = nil
        var stage: FinishStage
    }

    /// Where `finish` is.
    enum FinishStage: Sendable, Equatable {
        /// Reading the acknowledgement before anything else.
        case starting
        /// Waiting briefly for the collector to acknowledge the tail, this side still open.
        case awaitingTail
        /// Reading the acknowledgement again after that wait.
        case readingTail
        /// This side's output is closed; waiting for the collector to close its side.
        case awaitingClose
        /// Reading the acknowledgement after seeing the collector's side closed, or still open.
        case readingAfterClose(peerClosed: Bool)
    }

    /// How long a connection must stay up after a write before its acknowledged bytes count.
    let confirmDelay: Duration
    /// How long `finish` waits for the collector, and how long a write may stay blocked once a
    /// shutdown began.
    let finishTimeout: Duration
    /// Whether a shutdown bounds this output: no new connection once it began, and a blocked
    /// write is cut. Off for `run --once`, which delivers everything before it exits.
    let boundedStop: Bool

    private(set) var state = State.idle
    /// The batches written on the connection and not confirmed, oldest first; empty when idle.
    private(set) var unconfirmed: [Unconfirmed] = []
    /// The last position committed (or recovered).
    private(set) var committed: Int64 = 0
    /// The `now` of the last check.
    private(set) var lastCheck: Timestamp?
    private var reconnect: Backoff

    /// How often an overdue acknowledgement is checked again.
    static let acknowledgementPoll = Duration.milliseconds(100)
    /// How often `finish` looks at the tail's acknowledgement before closing its side.
    static let tailPoll = Duration.milliseconds(10)
    /// How often `finish` looks for the collector's close after closing its side.
    static let closePoll = Duration.milliseconds(20)

    init(confirmDelay: Duration, finishTimeout: Duration, boundedStop: Bool, reconnect: Backoff) {
        self.confirmDelay = confirmDelay
        self.finishTimeout = finishTimeout
        self.boundedStop = boundedStop
        self.reconnect = reconnect
    }

    /// Records written and not yet confirmed.
    var unconfirmedRecords: Int {
        unconfirmed.reduce(0) { $0 + $1.batch.count }
    }

    /// How long a write may stay blocked after a shutdown began (or after it started, if later)
    /// before the connection is closed; nil when only delivery ends a write (`run --once`).
    var blockedWriteLimit: Duration? {
        boundedStop ? finishTimeout : nil
    }

    // MARK: Recovering and connecting

    /// The output restarts from `committed`: what was unconfirmed is forgotten (it will be sent
    /// again); an open connection stays open. Returns how many records were forgotten.
    mutating func recovered(committed: Int64) -> Int {
        self.committed = committed
        if case .checking = state { state = .sending }
        return forgetUnconfirmed()
    }

    /// A write needs a connection; `link` is the current one's phase, `shuttingDown` whether a
    /// graceful shutdown began.
    mutating func connectionWanted(link: ConnectionState.Phase, shuttingDown: Bool) -> ConnectStep {
        switch state {
        case .sending, .checking, .finishing:
            if link == .open { return .use }
            return .close(end(.connectionLost, reason: link.endReason ?? "connection closed"))
        case .idle:
            if boundedStop, shuttingDown { return .refuse }
            return .connect(interruptible: boundedStop)
        }
    }

    /// A new connection is open.
    mutating func connected() {
        state = .sending
    }

    /// Opening a connection failed: the back-off before the next attempt.
    mutating func connectFailed() -> Duration {
        reconnect.nextDelay()
    }

    // MARK: Writing and confirming

    /// `batch` was written on the open connection; `bytesAfter` bytes have been sent on it since
    /// it opened, and the write completed at `now`.
    mutating func written(_ batch: Batch, bytesAfter: Int64, at now: Timestamp) {
        unconfirmed.append(Unconfirmed(batch: batch, bytesAfter: bytesAfter, writtenAt: now))
    }

    /// Writing `batch` failed: the connection is closed, and the batch and every unconfirmed one
    /// are sent again.
    mutating func writeFailed(_ batch: Batch, reason: String) -> Resend {
        let forgotten = forgetUnconfirmed()
        state = .idle
        return resend(.connectionLost, reason: reason, unconfirmed: forgotten + batch.count, forgotten: forgotten)
    }

    /// Time-based work at `now` (before each write, and on the sink's tick), given the
    /// connection's phase.
    mutating func check(link: ConnectionState.Phase, at now: Timestamp) -> Action? {
        lastCheck = now
        switch state {
        case .idle, .finishing:
            return nil
        case .sending, .checking:
            switch link {
            case .open:
                guard let head = unconfirmed.first, head.writtenAt.adding(confirmDelay) <= now else {
                    state = .sending
                    return nil
                }
                state = .checking(.open)
                return .readAcknowledgement
            case .peerClosed:
                state = .checking(.peerClosed)
                return .readAcknowledgement
            case .closed:
                return .close(end(.connectionLost, reason: "connection closed"))
            case .failed(let reason):
                return .close(end(.connectionLost, reason: reason))
            }
        }
    }

    /// The acknowledgement read that `check` asked for, with the connection's phase after it.
    mutating func acknowledged(_ acknowledgement: Acknowledgement, link: ConnectionState.Phase, at now: Timestamp) -> Action? {
        guard case .checking(let check) = state else { return nil }
        switch check {
        case .open:
            let acked: Int64
            switch acknowledgement {
            case .failed(let reason): return .close(end(.connectionLost, reason: reason))
            case .unknown: acked = .max
            case .bytes(let bytes): acked = bytes
            }
            // The connection ended during the read: decide on what it is now.
            guard link == .open else { return self.check(link: link, at: now) }
            state = .sending
            return confirm(acknowledged: acked, writtenBy: now.subtracting(confirmDelay)).map { .commit(upTo: $0) }
        case .peerClosed:
            var commit: Int64?
            if case .bytes(let acked) = acknowledgement {
                commit = confirm(acknowledged: acked, writtenBy: .distantFuture)
            }
            let close = end(.peerClosed, reason: "it closed the connection")
            return commit.map { .commitAndClose(upTo: $0, close) } ?? .close(close)
        }
    }

    /// When `check` next has work, given the connection's phase: at once for a connection that
    /// ended, when the oldest batch's confirm delay is over, then every `acknowledgementPoll`.
    func nextDeadline(link: ConnectionState.Phase) -> Timestamp? {
        if state == .idle { return nil }
        if link != .open { return lastCheck ?? .distantPast }
        guard let head = unconfirmed.first else { return nil }
        let due = head.writtenAt.adding(confirmDelay)
        if let lastCheck, due <= lastCheck { return lastCheck.adding(Self.acknowledgementPoll) }
        return due
    }

    // MARK: Finishing

    /// Shutdown at `now`: `finish` starts ending the connection.
    mutating func finishing(at now: Timestamp) -> FinishStep {
        if state == .idle { return .done(Finished(commit: nil, forgotten: 0)) }
        state = .finishing(Finishing(began: now, stage: .starting))
        return .readAcknowledgement
    }

    /// The acknowledgement read that `finish` asked for, with the connection's phase after it.
    mutating func finishAcknowledged(_ acknowledgement: Acknowledgement, link: ConnectionState.Phase, at now: Timestamp) -> FinishStep {
        guard case .finishing(var finishing) = state else { return .done(Finished(commit: nil, forgotten: 0)) }
        if case .bytes(let bytes) = acknowledgement { finishing.acknowledged = bytes }
        switch finishing.stage {
        case .starting:
            switch link {
            case .open where unconfirmed.isEmpty:
                return finish(acknowledged: nil, writtenBy: .distantPast)
            case .open:
                return awaitTail(finishing, link: link, at: now)
            case .peerClosed:
                return finish(acknowledged: finishing.acknowledged, writtenBy: .distantFuture)
            case .closed, .failed:
                return finish(acknowledged: nil, writtenBy: .distantPast, ended: .beforeClosing(link))
            }
        case .readingTail:
            return awaitTail(finishing, link: link, at: now)
        case .readingAfterClose(peerClosed: true):
            return finish(acknowledged: finishing.acknowledged, writtenBy: .distantFuture)
        case .readingAfterClose(peerClosed: false):
            guard now < finishing.began.adding(finishTimeout) else {
                // The collector keeps its side open: the usual rule, unless it acknowledged everything.
                let everything = finishing.acknowledged.map { acked in unconfirmed.last.map { acked >= $0.bytesAfter } ?? false } ?? false
                return finish(acknowledged: finishing.acknowledged, writtenBy: everything ? .distantFuture : now.subtracting(confirmDelay))
            }
            finishing.stage = .awaitingClose
            state = .finishing(finishing)
            return .wait(Self.closePoll)
        case .awaitingTail, .awaitingClose:
            preconditionFailure("finish read an acknowledgement it did not ask for in \(finishing.stage)")
        }
    }

    /// What `finish` saw after waiting or closing its side: the connection's phase, and whether TLS
    /// ended with the collector's close_notify.
    mutating func finishObserved(link: ConnectionState.Phase, closeNotify: Bool, at now: Timestamp) -> FinishStep {
        guard case .finishing(var finishing) = state else { return .done(Finished(commit: nil, forgotten: 0)) }
        switch finishing.stage {
        case .awaitingTail:
            finishing.stage = .readingTail
            state = .finishing(finishing)
            return .readAcknowledgement
        case .awaitingClose:
            switch link {
            case .peerClosed:
                finishing.stage = .readingAfterClose(peerClosed: true)
                state = .finishing(finishing)
                return .readAcknowledgement
            case .closed:
                // Closed cleanly after this side's close (a collector with unread data resets the
                // connection instead), so what it acknowledged, it read. The socket is gone, so the
                // last read counts, unless TLS ended with the collector's close_notify: then it
                // read every record before ours.
                return finish(acknowledged: closeNotify ? .max : finishing.acknowledged, writtenBy: .distantFuture)
            case .failed(let reason):
                return finish(acknowledged: finishing.acknowledged, writtenBy: finishing.began.subtracting(confirmDelay),
                              ended: .failedWhileClosing(reason))
            case .open:
                finishing.stage = .readingAfterClose(peerClosed: false)
                state = .finishing(finishing)
                return .readAcknowledgement
            }
        case .starting, .readingTail, .readingAfterClose:
            preconditionFailure("finish waited where it should have read an acknowledgement, in \(finishing.stage)")
        }
    }

    /// Wait for the tail's acknowledgement while the collector can still be asked and time is
    /// left; a clean close after that means it read all of it.
    private mutating func awaitTail(_ finishing: Finishing, link: ConnectionState.Phase, at now: Timestamp) -> FinishStep {
        var finishing = finishing
        if let last = unconfirmed.last, (finishing.acknowledged ?? 0) < last.bytesAfter, link == .open, now < finishing.began.adding(finishTimeout) {
            finishing.stage = .awaitingTail
            state = .finishing(finishing)
            return .wait(Self.tailPoll)
        }
        finishing.stage = .awaitingClose
        state = .finishing(finishing)
        return .closeOutput
    }

    /// The end of `finish`: confirms what `acknowledged` and `cutoff` allow, forgets the rest.
    private mutating func finish(acknowledged: Int64?, writtenBy cutoff: Timestamp, ended: Ended? = nil) -> FinishStep {
        let commit = acknowledged.flatMap { confirm(acknowledged: $0, writtenBy: cutoff) }
        let forgotten = forgetUnconfirmed()
        state = .idle
        return .done(Finished(commit: commit, forgotten: forgotten, ended: ended))
    }

    // MARK: Rules

    /// Confirms the leading batches whose bytes are acknowledged and that were written by
    /// `cutoff`; returns the position to commit, if it moved.
    private mutating func confirm(acknowledged: Int64, writtenBy cutoff: Timestamp) -> Int64? {
        var confirmed = 0
        while confirmed < unconfirmed.count, unconfirmed[confirmed].bytesAfter <= acknowledged, unconfirmed[confirmed].writtenAt <= cutoff {
            confirmed += 1
        }
        guard confirmed > 0 else { return nil }
        let sequence = unconfirmed[confirmed - 1].batch.sequence
        unconfirmed.removeFirst(confirmed)
        reconnect.reset()
        guard sequence > committed else { return nil }
        committed = sequence
        return sequence
    }

    /// The connection can confirm nothing more: it goes, with what was unconfirmed on it.
    private mutating func end(_ kind: TransportError.Kind, reason: String) -> Close {
        let forgotten = forgetUnconfirmed()
        state = .idle
        guard forgotten > 0 else { return .reconnect(reason: reason) }
        return .resend(resend(kind, reason: reason, unconfirmed: forgotten, forgotten: forgotten))
    }

    private mutating func resend(_ kind: TransportError.Kind, reason: String, unconfirmed: Int, forgotten: Int) -> Resend {
        Resend(kind: kind, reason: reason, unconfirmed: unconfirmed, forgotten: forgotten, from: committed, reconnectAfter: reconnect.nextDelay())
    }

    private mutating func forgetUnconfirmed() -> Int {
        let forgotten = unconfirmedRecords
        unconfirmed.removeAll()
        return forgotten
    }
}
