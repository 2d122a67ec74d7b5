#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ForwarderCore
import Journal
import Logging
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Sends framed syslog records over one TCP connection (RFC 6587), optionally inside TLS
/// (RFC 5425), and commits a position only once the collector has the records.
///
/// Delivery is at least once. A completed socket write only means the local kernel took the
/// bytes, so the sink keeps the batches it wrote in order, each with the number of bytes sent
/// on the connection up to its end, and commits a batch's last sequence once
/// - the peer's TCP stack has acknowledged those bytes (Linux `TCP_INFO.tcpi_bytes_acked`,
///   kernel 4.1 or later; TLS record bytes included), and
/// - the connection has stayed up for `confirmDelay` after the write, which covers a collector
///   that acknowledged bytes into its socket buffer and then died or closed before reading
///   them (its kernel then resets the connection); or
/// - the collector closed the connection cleanly (FIN or TLS close_notify): a peer closing
///   with unread data resets the connection instead, so what it acknowledged, it read.
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
public actor StreamSink: RecordSink {
    private struct Pending {
        var sequence: Int64
        /// Bytes sent on the connection once this batch was written.
        var endOffset: Int64
        var writtenAt: Timestamp
        var count: Int
    }

    private struct Connection {
        var channel: any Channel
        var state: ConnectionState
    }

    private let name: String
    private let host: String
    private let port: Int
    private let connectTimeout: Duration
    private let ackTimeout: Duration
    private let tls: TLSTransportConfig?
    private let serverHostname: String?
    private let confirmDelay: Duration
    private let finishTimeout: Duration
    /// Whether a shutdown bounds this sink: no new connection once it began, and a write still
    /// blocked `finishTimeout` after shutdown began (or after it started, if later) closes the
    /// connection. Off for `run --once`, which delivers everything before it exits.
    private let boundedStop: Bool
    private let group: any EventLoopGroup
    private let logger: Logger
    private let endpoint: String

    private var reconnect: Backoff
    private var reconnectAt: ContinuousClock.Instant?
    private var connection: Connection?
    private var pending: [Pending] = []
    private var committed: Int64 = 0
    private var lastCheck: Timestamp?

    private let connects: Counter
    private let connectFailures: Counter
    private let resent: Counter
    private let unconfirmed: Gauge

    /// How often an overdue acknowledgement is checked again.
    private static let ackPollInterval = Duration.milliseconds(100)

    /// A plain TCP sink. `name` is the output's name (metrics dimension `output`, messages);
    /// `confirmDelay` is how long a connection must stay up after a write before its
    /// acknowledged bytes count as delivered; `finishTimeout` bounds the wait for the
    /// collector's close at shutdown.
    public init(name: String, config: TCPTransportConfig, confirmDelay: Duration = .seconds(1), finishTimeout: Duration = .seconds(5),
                boundedStop: Bool = true, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.init(name: name, tcp: config, tls: nil, confirmDelay: confirmDelay, finishTimeout: finishTimeout, boundedStop: boundedStop,
                  group: group, logger: logger)
    }

    /// A TLS sink; throws when the CA, certificate or key file cannot be loaded (they are read
    /// again on every connect, so renewed certificates are picked up).
    public init(name: String, config: TLSTransportConfig, confirmDelay: Duration = .seconds(1), finishTimeout: Duration = .seconds(5),
                boundedStop: Bool = true, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) throws(TransportError) {
        self.init(name: name, tcp: config.tcp, tls: config, confirmDelay: confirmDelay, finishTimeout: finishTimeout, boundedStop: boundedStop,
                  group: group, logger: logger)
        _ = try Self.makeSSLContext(config, output: name, endpoint: endpoint)
    }

    private init(name: String, tcp: TCPTransportConfig, tls: TLSTransportConfig?, confirmDelay: Duration, finishTimeout: Duration,
                 boundedStop: Bool, group: any EventLoopGroup, logger: Logger) {
        self.name = name
        host = tcp.host
        port = tcp.port
        connectTimeout = tcp.connectTimeout
        ackTimeout = tcp.ackTimeout
        self.tls = tls
        let sni = tls?.serverName ?? tcp.host
        serverHostname = (try? SocketAddress(ipAddress: sni, port: 0)) == nil ? sni : nil
        self.confirmDelay = confirmDelay
        self.finishTimeout = finishTimeout
        self.boundedStop = boundedStop
        self.group = group
        self.logger = logger
        endpoint = "\(tls == nil ? "tcp" : "tls")://\(tcp.host):\(tcp.port)"
        reconnect = Backoff(initial: tcp.reconnect.initial, maximum: tcp.reconnect.max)
        connects = Counter(label: "forwarder_output_connections_total", dimensions: [("output", name)])
        connectFailures = Counter(label: "forwarder_output_connect_failures_total", dimensions: [("output", name)])
        resent = Counter(label: "forwarder_output_unconfirmed_resent_total", dimensions: [("output", name)])
        unconfirmed = Gauge(label: "forwarder_output_unconfirmed_records", dimensions: [("output", name)])
    }

    public func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        committed = position.sequence
        dropPending()
        return position
    }

    public func write(_ records: ByteBuffer, count: Int, through sequence: Int64, now: Timestamp, commit: OutputCommitter) async throws {
        guard count > 0 else { return }
        try await advance(now: now, commit: commit)
        let connection = try await connected()
        let started = ContinuousClock.now
        do {
            try await Self.send(records, on: connection.channel, stuckAfterShutdown: boundedStop ? finishTimeout : nil)
        } catch {
            let lost = count + close(connection)
            scheduleReconnect()
            throw TransportError(.connectionLost, output: name, endpoint: endpoint, underlying: failureReason(connection, error), unconfirmed: lost)
        }
        let sent = connection.state.bytesSent.load(ordering: .relaxed)
        pending.append(Pending(sequence: sequence, endOffset: sent, writtenAt: now.adding(ContinuousClock.now - started), count: count))
        reportUnconfirmed()
    }

    public func tick(now: Timestamp, commit: OutputCommitter) async throws {
        try await advance(now: now, commit: commit)
    }

    public func nextDeadline() async -> Timestamp? {
        guard let connection else { return nil }
        if connection.state.current != .open { return lastCheck ?? .distantPast }
        guard let head = pending.first else { return nil }
        let due = head.writtenAt.adding(confirmDelay)
        if let lastCheck, due <= lastCheck { return lastCheck.adding(Self.ackPollInterval) }
        return due
    }

    /// Closes this side's output (TLS: close_notify first), waits up to `finishTimeout` for the
    /// collector to close its side, and commits everything it acknowledged if it did, or if it
    /// acknowledged everything; otherwise only what the usual rule confirms.
    public func finish(now: Timestamp, commit: OutputCommitter) async throws {
        guard let connection else { return }
        let started = ContinuousClock.now
        var acked: Int64? = try? await TCPAcknowledgement.bytesAcked(connection.channel)
        var cutoff = now.subtracting(confirmDelay)
        switch connection.state.current {
        case .open where pending.isEmpty:
            break
        case .open:
            let deadline = started + finishTimeout
            // Let the collector's TCP stack acknowledge the tail while the socket can still be
            // asked; a clean close after that means it read all of it.
            while let last = pending.last, (acked ?? 0) < last.endOffset, connection.state.current == .open, ContinuousClock.now < deadline {
                try? await connection.state.ended.futureResult.get(timeout: .milliseconds(10), on: connection.channel.eventLoop)
                if let sample = try? await TCPAcknowledgement.bytesAcked(connection.channel) { acked = sample }
            }
            try? await connection.channel.close(mode: .output).get()
            waiting: while true {
                switch connection.state.current {
                case .peerClosed:
                    if let sample = try? await TCPAcknowledgement.bytesAcked(connection.channel) { acked = sample }
                    cutoff = .distantFuture
                    break waiting
                case .closed:
                    // Closed cleanly after our close (a collector with unread data resets the
                    // connection instead), so what it acknowledged, it read. The socket is gone,
                    // so the last sample counts, unless TLS ended with the collector's
                    // close_notify: then it read every record before ours.
                    if connection.state.closedWithCloseNotify.load(ordering: .acquiring) { acked = .max }
                    cutoff = .distantFuture
                    break waiting
                case .failed(let reason):
                    logger.debug("Output \(name): the connection to \(endpoint) failed while closing: \(reason)")
                    break waiting
                case .open:
                    if let sample = try? await TCPAcknowledgement.bytesAcked(connection.channel) { acked = sample }
                    guard ContinuousClock.now < deadline else {
                        cutoff = now.adding(ContinuousClock.now - started).subtracting(confirmDelay)
                        if let acked, let last = pending.last, acked >= last.endOffset { cutoff = .distantFuture }
                        break waiting
                    }
                    try? await connection.state.ended.futureResult.get(timeout: .milliseconds(20), on: connection.channel.eventLoop)
                }
            }
        case .peerClosed:
            cutoff = .distantFuture
        case .closed, .failed:
            logger.debug("Output \(name): the connection to \(endpoint) had ended before closing: \(connection.state.current)")
            acked = nil
        }
        if let acked {
            try await confirm(acked: acked, writtenBy: cutoff, commit: commit)
        }
        let lost = close(connection)
        if lost > 0 {
            logger.warning("Output \(name) stopped with \(lost) records to \(endpoint) unconfirmed; they will be sent again on the next start")
        } else {
            logger.info("Output \(name) closed its connection to \(endpoint) with everything confirmed")
        }
    }

    // MARK: Confirmation

    /// Commits what the collector now has, and turns a connection that failed or was closed
    /// by the collector into an error when records sent on it are unconfirmed.
    private func advance(now: Timestamp, commit: OutputCommitter) async throws {
        lastCheck = now
        guard let connection else { return }
        switch connection.state.current {
        case .open:
            guard let head = pending.first, head.writtenAt.adding(confirmDelay) <= now else { return }
            let sample: Int64?
            do {
                sample = try await TCPAcknowledgement.bytesAcked(connection.channel)
            } catch {
                return try await lose(connection, .connectionLost, reason: failureReason(connection, error))
            }
            guard connection.state.current == .open else { return try await advance(now: now, commit: commit) }
            try await confirm(acked: sample ?? .max, writtenBy: now.subtracting(confirmDelay), commit: commit)
        case .peerClosed:
            if let acked = try? await TCPAcknowledgement.bytesAcked(connection.channel) {
                try await confirm(acked: acked, writtenBy: .distantFuture, commit: commit)
            }
            try await lose(connection, .peerClosed, reason: "it closed the connection")
        case .closed:
            try await lose(connection, .connectionLost, reason: "connection closed")
        case .failed(let reason):
            try await lose(connection, .connectionLost, reason: reason)
        }
    }

    /// Commits the last batch whose bytes are acknowledged and that was written by `cutoff`.
    private func confirm(acked: Int64, writtenBy cutoff: Timestamp, commit: OutputCommitter) async throws {
        var confirmed = 0
        while confirmed < pending.count, pending[confirmed].endOffset <= acked, pending[confirmed].writtenAt <= cutoff {
            confirmed += 1
        }
        guard confirmed > 0 else { return }
        let sequence = pending[confirmed - 1].sequence
        pending.removeFirst(confirmed)
        reportUnconfirmed()
        reconnect.reset()
        if sequence > committed {
            try await commit(.position(OutputPosition(sequence: sequence)))
            committed = sequence
        }
    }

    /// Drops a connection that can no longer confirm anything; throws when records sent on it
    /// were not confirmed, so they are sent again.
    private func lose(_ connection: Connection, _ kind: TransportError.Kind, reason: String) async throws {
        let lost = close(connection)
        guard lost > 0 else {
            logger.info("Output \(name) will reconnect to \(endpoint) before its next write (\(reason))")
            return
        }
        scheduleReconnect()
        throw TransportError(kind, output: name, endpoint: endpoint, underlying: reason, unconfirmed: lost)
    }

    /// Closes the connection and forgets its unconfirmed batches; returns how many records they held.
    @discardableResult
    private func close(_ connection: Connection) -> Int {
        connection.channel.close(promise: nil)
        if self.connection?.channel === connection.channel { self.connection = nil }
        return dropPending()
    }

    @discardableResult
    private func dropPending() -> Int {
        let lost = pending.reduce(0) { $0 + $1.count }
        pending.removeAll()
        if lost > 0 { resent.increment(by: lost) }
        reportUnconfirmed()
        return lost
    }

    /// The next connect waits for the reconnect back-off (reset once a record is confirmed).
    private func scheduleReconnect() {
        reconnectAt = .now + reconnect.nextDelay()
    }

    private func reportUnconfirmed() {
        unconfirmed.record(pending.reduce(0) { $0 + $1.count })
    }

    private func failureReason(_ connection: Connection, _ error: any Error) -> String {
        switch connection.state.current {
        case .failed(let reason): reason
        case .peerClosed: "it closed the connection"
        case .closed: "connection closed"
        case .open: TransportError.reason(error)
        }
    }

    // MARK: Connecting and sending

    /// Writes and flushes. With `stuckAfterShutdown`, a write still blocked (a collector that
    /// stopped reading) that long after shutdown began, or after the write started if that was
    /// later, closes the connection, so a stuck
    /// collector never holds the process up; what was not confirmed is sent again after the next
    /// start.
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

    /// The open connection, or a new one after the reconnect back-off.
    private func connected() async throws -> Connection {
        if let connection {
            if connection.state.current == .open { return connection }
            try await lose(connection, .connectionLost, reason: failureReason(connection, ChannelError.ioOnClosedChannel))
        }
        if boundedStop, Task.isShuttingDownGracefully {
            throw TransportError(.stopping, output: name, endpoint: endpoint)
        }
        if let reconnectAt, reconnectAt > .now {
            if boundedStop {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: reconnectAt, clock: .continuous) }
            } else {
                try await Task.sleep(until: reconnectAt, clock: .continuous)
            }
        }
        do {
            let opened = try await connect()
            connection = opened
            reconnectAt = nil
            connects.increment()
            logger.info("Output \(name) connected to \(endpoint)")
            return opened
        } catch {
            connectFailures.increment()
            scheduleReconnect()
            throw error
        }
    }

    private func connect() async throws(TransportError) -> Connection {
        let sslContext: NIOSSLContext?
        if let tls {
            sslContext = try Self.makeSSLContext(tls, output: name, endpoint: endpoint)
        } else {
            sslContext = nil
        }
        let state = ConnectionState(eventLoop: group.next())
        let serverHostname = self.serverHostname
        var bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.socketOption(.so_keepalive), value: 1)
        #if os(Linux)
        bootstrap = bootstrap
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPIDLE)), value: 30)
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPINTVL)), value: 10)
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPCNT)), value: 3)
            // Keepalive only probes an idle connection; with data in flight a vanished collector
            // would otherwise take ~15 minutes of retransmissions to notice.
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_USER_TIMEOUT)),
                           value: SocketOptionValue(clamping: ackTimeout.milliseconds))
        #endif
        bootstrap = bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(ByteCountingHandler(state: state))
                if let sslContext {
                    try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                }
                try pipeline.addHandler(ConnectionEventHandler(state: state, tls: sslContext != nil))
            }
        }
        let started = ContinuousClock.now
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            state.ready.fail(error)
            state.failed(TransportError.reason(error))
            throw TransportError(Self.connectFailureKind(error), output: name, endpoint: endpoint, error: error)
        }
        let remaining = max(.milliseconds(1), connectTimeout - (ContinuousClock.now - started))
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(remaining)) {
            state.ready.fail(ChannelError.connectTimeout(TimeAmount(remaining)))
            channel.close(promise: nil)
        }
        do {
            try await state.ready.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            channel.close(promise: nil)
            let kind: TransportError.Kind = if case ChannelError.connectTimeout = error { .connectTimeout } else if tls != nil { .tlsHandshake } else { .connect }
            throw TransportError(kind, output: name, endpoint: endpoint, error: error)
        }
        return Connection(channel: channel, state: state)
    }

    private static func connectFailureKind(_ error: any Error) -> TransportError.Kind {
        if case ChannelError.connectTimeout = error { return .connectTimeout }
        if let failure = error as? NIOConnectionError {
            if failure.connectionErrors.isEmpty, failure.dnsAError != nil || failure.dnsAAAAError != nil { return .resolve }
            if failure.connectionErrors.contains(where: { if case ChannelError.connectTimeout = $0.error { true } else { false } }) {
                return .connectTimeout
            }
        }
        return .connect
    }

    /// The client TLS context: the CA file's roots (else the system's), the client certificate
    /// and key when given, full verification or chain-only when `verifyHostname` is off.
    static func makeSSLContext(_ tls: TLSTransportConfig, output: String, endpoint: String) throws(TransportError) -> NIOSSLContext {
        func failure(_ reason: String) -> TransportError {
            TransportError(.tlsConfiguration, output: output, endpoint: endpoint, underlying: reason)
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        // RFC 9662 (updating RFC 5425) requires TLS 1.2 or later for syslog.
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = tls.caFile {
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(caFile) } catch { throw failure("ca_file \(caFile): \(error)") }
            guard !roots.isEmpty else { throw failure("ca_file \(caFile) holds no PEM certificate") }
            configuration.trustRoots = .certificates(roots)
        }
        switch (tls.certFile, tls.keyFile) {
        case (nil, nil):
            break
        case (let certFile?, let keyFile?):
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            } catch {
                throw failure("cert_file \(certFile): \(error)")
            }
            guard !configuration.certificateChain.isEmpty else { throw failure("cert_file \(certFile) holds no PEM certificate") }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw failure("key_file \(keyFile): \(error)")
            }
        case (.some, nil):
            throw failure("cert_file is set without key_file")
        case (nil, .some):
            throw failure("key_file is set without cert_file")
        }
        configuration.certificateVerification = tls.verifyHostname ? .fullVerification : .noHostnameVerification
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw failure("\(error)")
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
