import ForwarderCore
import Journal
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Sends framed syslog records over one TCP connection (RFC 6587), optionally inside TLS
/// (RFC 5425), and commits a position only once the collector has the records.
///
/// Delivery is at least once. A completed socket write only means the local kernel took the
/// bytes; what counts as delivered, what is sent again and when a connection may be opened are
/// decided by ``StreamDelivery`` from the bytes sent on the connection, the kernel's count of
/// bytes the collector acknowledged (Linux `TCP_INFO.tcpi_bytes_acked`, kernel 4.1 or later; TLS
/// record bytes included), the connection's phase and the time. This actor only moves those
/// between the delivery and the socket, and performs what it decides: commit, close, throw.
///
/// When the connection fails or the collector closes it with records unconfirmed, the sink
/// closes it, forgets those records and throws a ``TransportError``; the output service then
/// restarts from the journal's committed position and sends them again, so the collector may
/// receive up to about `confirmDelay` worth of records twice. The connection is opened on the
/// first write and reopened on the next write after a failure, waiting the reconnect back-off
/// after each failed attempt; a connection the collector closes while idle is replaced before
/// the next write. Reads from the collector are discarded.
///
/// Each write is awaited until the kernel takes the bytes, so a slow collector slows this
/// output (at most one batch is buffered) instead of growing memory.
package actor StreamSink: RecordSink {
    private let name: String
    private let connector: StreamConnector
    private let logger: Logger
    private var endpoint: String { connector.endpoint }

    private var delivery: StreamDelivery
    private var connection: StreamConnector.Connection?
    /// When the back-off the delivery chose after the last failure ends.
    private var reconnectAt: ContinuousClock.Instant?

    private let connects: Counter
    private let connectFailures: Counter
    private let resent: Counter
    private let unconfirmed: Gauge

    /// A plain TCP sink. `name` is the output's name (metrics dimension `output`, messages);
    /// `confirmDelay` is how long a connection must stay up after a write before its
    /// acknowledged bytes count as delivered; `finishTimeout` bounds the wait for the
    /// collector's close at shutdown; `boundedStop` (off for `run --once`) makes a shutdown stop
    /// reconnecting and cut a write still blocked `finishTimeout` after it began.
    package init(name: String, config: TCPTransportConfig, confirmDelay: Duration = .seconds(1), finishTimeout: Duration = .seconds(5),
                boundedStop: Bool = true, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.init(name: name, tcp: config, tls: nil, confirmDelay: confirmDelay, finishTimeout: finishTimeout, boundedStop: boundedStop,
                  group: group, logger: logger)
    }

    /// A TLS sink; throws when the CA, certificate or key file cannot be loaded (they are read
    /// again on every connect, so renewed certificates are picked up).
    package init(name: String, config: TLSTransportConfig, confirmDelay: Duration = .seconds(1), finishTimeout: Duration = .seconds(5),
                boundedStop: Bool = true, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) throws(TransportError) {
        self.init(name: name, tcp: config.tcp, tls: config, confirmDelay: confirmDelay, finishTimeout: finishTimeout, boundedStop: boundedStop,
                  group: group, logger: logger)
        _ = try StreamConnector.makeSSLContext(config, output: name, endpoint: connector.endpoint)
    }

    private init(name: String, tcp: TCPTransportConfig, tls: TLSTransportConfig?, confirmDelay: Duration, finishTimeout: Duration,
                 boundedStop: Bool, group: any EventLoopGroup, logger: Logger) {
        self.name = name
        connector = StreamConnector(output: name, tcp: tcp, tls: tls, group: group)
        self.logger = logger
        delivery = StreamDelivery(confirmDelay: confirmDelay, finishTimeout: finishTimeout, boundedStop: boundedStop,
                                  reconnect: Backoff(initial: tcp.reconnect.initial, maximum: tcp.reconnect.max))
        connects = Counter(label: "siem_forwarder_output_connections_total", dimensions: [("output", name)])
        connectFailures = Counter(label: "siem_forwarder_output_connect_failures_total", dimensions: [("output", name)])
        resent = Counter(label: "siem_forwarder_output_unconfirmed_resent_total", dimensions: [("output", name)])
        unconfirmed = Gauge(label: "siem_forwarder_output_unconfirmed_records", dimensions: [("output", name)])
    }

    package func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        forgot(delivery.recovered(committed: position.sequence))
        return position
    }

    package func write(_ records: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        guard records.count > 0 else { return }
        try await advance(now: now, commit: commit)
        let connection = try await connected()
        let batch = StreamDelivery.Batch(sequence: records.through, count: records.count)
        let started = ContinuousClock.now
        do {
            try await Self.send(records.bytes, on: connection.channel, stuckAfterShutdown: delivery.blockedWriteLimit)
        } catch {
            let reason = Self.failureReason(connection, error)
            throw close(delivery.writeFailed(batch, reason: reason))
        }
        delivery.written(batch, bytesAfter: connection.state.bytesSent.load(ordering: .relaxed), at: now.adding(ContinuousClock.now - started))
        reportUnconfirmed()
    }

    package func tick(now: Timestamp, commit: OutputCommitter) async throws {
        try await advance(now: now, commit: commit)
    }

    package func nextDeadline() async -> Timestamp? {
        delivery.nextDeadline(link: link)
    }

    /// Closes this side's output (TLS: close_notify first), waits up to `finishTimeout` for the
    /// collector to close its side, and commits everything it acknowledged if it did, or if it
    /// acknowledged everything; otherwise only what the usual rule confirms.
    package func finish(now: Timestamp, commit: OutputCommitter) async throws {
        guard let connection else { return }
        let started = ContinuousClock.now
        /// `now`, moved on by the time this finish has taken.
        func elapsed() -> Timestamp { now.adding(ContinuousClock.now - started) }
        func observed() -> StreamDelivery.FinishStep {
            delivery.finishObserved(link: connection.state.current, closeNotify: connection.state.closedWithCloseNotify.load(ordering: .acquiring),
                                    at: elapsed())
        }
        var step = delivery.finishing(at: now)
        while true {
            switch step {
            case .readAcknowledgement:
                let acknowledgement = await Self.acknowledgement(on: connection)
                step = delivery.finishAcknowledged(acknowledgement, link: connection.state.current, at: elapsed())
            case .wait(let limit):
                try? await connection.state.ended.futureResult.get(timeout: TimeAmount(limit), on: connection.channel.eventLoop)
                step = observed()
            case .closeOutput:
                try? await connection.channel.close(mode: .output).get()
                step = observed()
            case .done(let finished):
                switch finished.ended {
                case .beforeClosing(let phase):
                    logger.debug("Output \(name): the connection to \(endpoint) had ended before closing: \(phase)")
                case .failedWhileClosing(let reason):
                    logger.debug("Output \(name): the connection to \(endpoint) failed while closing: \(reason)")
                case nil:
                    break
                }
                if let sequence = finished.commit {
                    do {
                        try await commit(.position(OutputPosition(sequence: sequence)))
                    } catch {
                        closeChannel(forgotten: finished.forgotten)
                        throw error
                    }
                }
                closeChannel(forgotten: finished.forgotten)
                if finished.forgotten > 0 {
                    logger.warning("Output \(name) stopped with \(finished.forgotten) records to \(endpoint) unconfirmed; they will be sent again on the next start")
                } else {
                    logger.info("Output \(name) closed its connection to \(endpoint) with everything confirmed")
                }
                return
            }
        }
    }

    // MARK: Performing the delivery's decisions

    /// The current connection's phase; no connection counts as closed.
    private var link: ConnectionState.Phase {
        connection?.state.current ?? .closed
    }

    /// Commits what the collector now has, and turns a connection that failed or was closed by
    /// the collector into an error when records sent on it are unconfirmed.
    private func advance(now: Timestamp, commit: OutputCommitter) async throws {
        var next = delivery.check(link: link, at: now)
        while let action = next {
            next = nil
            switch action {
            case .readAcknowledgement:
                let acknowledgement = await currentAcknowledgement()
                next = delivery.acknowledged(acknowledgement, link: link, at: now)
            case .commit(let sequence):
                reportUnconfirmed()
                try await commit(.position(OutputPosition(sequence: sequence)))
            case .close(let close):
                if let failure = self.close(close) { throw failure }
            case .commitAndClose(let sequence, let close):
                reportUnconfirmed()
                do {
                    try await commit(.position(OutputPosition(sequence: sequence)))
                } catch {
                    _ = self.close(close)
                    throw error
                }
                if let failure = self.close(close) { throw failure }
            }
        }
    }

    /// The open connection, or a new one once the reconnect back-off is over.
    private func connected() async throws -> StreamConnector.Connection {
        while true {
            switch delivery.connectionWanted(link: link, shuttingDown: Task.isShuttingDownGracefully) {
            case .use:
                if let connection { return connection }
            case .close(let close):
                if let failure = self.close(close) { throw failure }
            case .refuse:
                throw TransportError(.stopping, output: name, endpoint: endpoint)
            case .connect(let interruptible):
                return try await connect(interruptible: interruptible)
            }
        }
    }

    private func connect(interruptible: Bool) async throws -> StreamConnector.Connection {
        if let reconnectAt, reconnectAt > .now {
            if interruptible {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: reconnectAt, clock: .continuous) }
            } else {
                try await Task.sleep(until: reconnectAt, clock: .continuous)
            }
        }
        do {
            let opened = try await connector.connect()
            connection = opened
            reconnectAt = nil
            delivery.connected()
            connects.increment()
            logger.info("Output \(name) connected to \(endpoint)")
            return opened
        } catch {
            connectFailures.increment()
            reconnectAt = .now + delivery.connectFailed()
            throw error
        }
    }

    /// Closes the connection as the delivery decided; returns the error to throw when records
    /// sent on it are to be sent again.
    private func close(_ close: StreamDelivery.Close) -> TransportError? {
        switch close {
        case .reconnect(let reason):
            closeChannel(forgotten: 0)
            logger.info("Output \(name) will reconnect to \(endpoint) before its next write (\(reason))")
            return nil
        case .resend(let resend):
            return self.close(resend)
        }
    }

    private func close(_ resend: StreamDelivery.Resend) -> TransportError {
        closeChannel(forgotten: resend.forgotten)
        reconnectAt = .now + resend.reconnectAfter
        return TransportError(resend.kind, output: name, endpoint: endpoint, underlying: resend.reason, unconfirmed: resend.unconfirmed)
    }

    /// Closes the connection the delivery has let go, counting the records it forgot as resent.
    private func closeChannel(forgotten: Int) {
        connection?.channel.close(promise: nil)
        connection = nil
        forgot(forgotten)
    }

    private func forgot(_ records: Int) {
        if records > 0 { resent.increment(by: records) }
        reportUnconfirmed()
    }

    private func reportUnconfirmed() {
        unconfirmed.record(delivery.unconfirmedRecords)
    }

    // MARK: Socket

    /// What the kernel says the collector acknowledged on the current connection.
    private func currentAcknowledgement() async -> StreamDelivery.Acknowledgement {
        guard let connection else { return .failed("connection closed") }
        return await Self.acknowledgement(on: connection)
    }

    /// What the kernel says the collector acknowledged on `connection`.
    private static func acknowledgement(on connection: StreamConnector.Connection) async -> StreamDelivery.Acknowledgement {
        do {
            guard let bytes = try await TCPAcknowledgement.bytesAcked(connection.channel) else { return .unknown }
            return .bytes(bytes)
        } catch {
            return .failed(failureReason(connection, error))
        }
    }

    /// Why `connection` failed: what its event loop saw, else the error.
    private static func failureReason(_ connection: StreamConnector.Connection, _ error: any Error) -> String {
        connection.state.current.endReason ?? TransportError.reason(error)
    }

    /// Writes and flushes. With `stuckAfterShutdown`, a write still blocked (a collector that
    /// stopped reading) that long after shutdown began, or after the write started if that was
    /// later, closes the connection, so a stuck collector never holds the process up; what was
    /// not confirmed is sent again after the next start.
    private static func send(_ records: ByteBuffer, on channel: any Channel, stuckAfterShutdown: Duration?) async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(records, promise: promise)
        let written = promise.futureResult
        try await withTaskCancellationHandler {
            guard let stuckAfterShutdown else { return try await written.get() }
            try await withGracefulShutdownHandler {
                try await written.get()
            } onGracefulShutdown: {
                let stuck = channel.eventLoop.scheduleTask(in: TimeAmount(stuckAfterShutdown)) { channel.close(promise: nil) }
                written.whenComplete { _ in stuck.cancel() }
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

extension EventLoopFuture where Value == Void {
    /// Waits for the future at most `timeout`; returns either way.
    func get(timeout: TimeAmount, on eventLoop: any EventLoop) async throws {
        let bounded = eventLoop.makePromise(of: Void.self)
        let timer = eventLoop.scheduleTask(in: timeout) { bounded.succeed() }
        cascade(to: bounded)
        try await bounded.futureResult.get()
        timer.cancel()
    }
}
