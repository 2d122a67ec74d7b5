import ForwarderCore

/// The decisions of an output's delivery loop, without I/O or a clock of its own: when to retry
/// and after how long, when the back-off starts over, how long a stop may keep draining, and what
/// an unfinished stop means. `OutputService` performs what it returns.
package struct OutputLoop: Sendable, Equatable {
    /// `run` drains its released backlog for at most `drain` once a stop began; `run --once`
    /// promises everything delivered, however long it takes.
    package enum Mode: Sendable, Equatable {
        case run(drain: Duration)
        case once
    }

    /// What to do with the batch just read from the journal.
    package enum Step: Sendable, Equatable {
        /// Encode and hand it to the sink.
        case write
        /// Nothing to do: let the sink do its timed work and wait for the merger.
        case idle
        /// Stopping and everything released is delivered: finish the sink.
        case finish
        /// Stopping and the drain time is used up: finish the sink, leaving the rest in the journal.
        case finishUndelivered
    }

    /// How a stop ended that could not finish delivering.
    package enum End: Sendable, Equatable {
        /// `run`: log it; the next start continues from the committed position.
        case continueNextStart
        /// `run --once`: an error naming the output.
        case incomplete
    }

    package let mode: Mode
    package private(set) var backoff: Backoff
    /// The committed sequence when the last attempt started (to tell a partly successful attempt).
    package private(set) var committedBefore: Int64
    /// When the drain of a stop ends (`run` only), once a stop began.
    package private(set) var drainDeadline: Timestamp?

    package init(mode: Mode, backoff: Backoff, committed: Int64) {
        self.mode = mode
        self.backoff = backoff
        self.committedBefore = committed
    }

    /// An attempt failed with the output at `committed`: the delay before the next one. An attempt
    /// that delivered something was a success, so the back-off starts from its first step again.
    package mutating func attemptFailed(committed: Int64) -> Duration {
        if committed > committedBefore { backoff.reset() }
        committedBefore = committed
        return backoff.nextDelay()
    }

    /// A batch of `count` events was read at `now`; `stopping` says whether a stop has begun.
    package mutating func next(batch count: Int, stopping: Bool, now: Timestamp) -> Step {
        if stopping, drainDeadline == nil, case .run(let drain) = mode {
            drainDeadline = now.adding(drain)
        }
        if count == 0 { return stopping ? .finish : .idle }
        if let drainDeadline, now >= drainDeadline { return .finishUndelivered }
        return .write
    }

    /// The stop could not deliver everything (the last attempt failed).
    package var unfinishedStop: End {
        mode == .once ? .incomplete : .continueNextStart
    }
}
