import ForwarderCore

/// What ``StreamDelivery`` is told, and what it tells ``StreamSink`` to do.
extension StreamDelivery {
    /// What the kernel said when asked how many bytes the collector acknowledged.
    enum Acknowledgement: Sendable, Equatable {
        case bytes(Int64)
        /// The system does not say (not Linux): on an open connection only the confirm delay counts.
        case unknown
        /// The read failed; the reason is for messages.
        case failed(String)
    }

    /// What the sink does next while writing and checking.
    enum Action: Sendable, Equatable {
        /// Read the acknowledged byte count and pass it to `acknowledged(_:link:at:)`.
        case readAcknowledgement
        /// Commit the journal position up to `sequence`: the collector has every record up to it.
        case commit(upTo: Int64)
        /// Close the connection.
        case close(Close)
        /// Commit first, then close the connection.
        case commitAndClose(upTo: Int64, Close)
    }

    /// How a connection that can no longer confirm anything is closed.
    enum Close: Sendable, Equatable {
        /// Everything sent on it was confirmed: the next write opens a new one at once; the reason
        /// is for messages.
        case reconnect(reason: String)
        /// Records sent on it were not confirmed: they are forgotten and sent again.
        case resend(Resend)
    }

    /// A failure that costs records: the error the output service gets, which makes it send
    /// everything after `from` again.
    struct Resend: Sendable, Equatable {
        var kind: TransportError.Kind
        var reason: String
        /// Records the error says will be sent again: the forgotten ones and a batch whose write failed.
        var unconfirmed: Int
        /// Records that had been written on the connection and are forgotten.
        var forgotten: Int
        /// The committed position the output restarts from.
        var from: Int64
        /// The reconnect back-off: no new connection before this has passed.
        var reconnectAfter: Duration
    }

    /// What the sink does when it needs a connection for a write.
    enum ConnectStep: Sendable, Equatable {
        /// The connection is open: write on it.
        case use
        /// The connection ended: close it, then ask again.
        case close(Close)
        /// The forwarder is stopping: open no new connection.
        case refuse
        /// Open a connection once the back-off of the last failure has passed; a shutdown cuts that
        /// wait short when `interruptible`.
        case connect(interruptible: Bool)
    }

    /// What `finish` does next.
    enum FinishStep: Sendable, Equatable {
        /// Read the acknowledged byte count and pass it to `finishAcknowledged(_:link:at:)`.
        case readAcknowledgement
        /// Wait at most this long for the connection to end, then call `finishObserved(link:closeNotify:at:)`.
        case wait(Duration)
        /// Close this side's output (TLS: close_notify first), then call `finishObserved(link:closeNotify:at:)`.
        case closeOutput
        /// Commit if told to, then close the connection.
        case done(Finished)
    }

    /// How `finish` ends.
    struct Finished: Sendable, Equatable {
        /// The position to commit, when the end confirmed more.
        var commit: Int64?
        /// Records left unconfirmed; the next start sends them again.
        var forgotten: Int
        /// Set when the connection ended otherwise than by this side's close (for messages).
        var ended: Ended? = nil
    }

    /// How a connection ended during `finish` when not by the close it began.
    enum Ended: Sendable, Equatable {
        /// It had ended before `finish` began: nothing more is confirmed.
        case beforeClosing(ConnectionState.Phase)
        /// It failed after this side closed its output: the usual rule decides.
        case failedWhileClosing(String)
    }
}
