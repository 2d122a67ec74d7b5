#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ForwarderCore
import NIOCore
import NIOPosix
import NIOSSL

/// Opens the TCP connections of a stream output, inside TLS when configured: socket options,
/// the TLS context (read again on every connect, so renewed certificates are picked up), the
/// handlers that report to a ``ConnectionState``, and one error a user can act on when it fails.
struct StreamConnector: Sendable {
    /// An open connection and what its event loop has seen of it.
    struct Connection: Sendable {
        var channel: any Channel
        var state: ConnectionState
    }

    let output: String
    let host: String
    let port: Int
    let connectTimeout: Duration
    let ackTimeout: Duration
    let tls: TLSTransportConfig?
    let group: any EventLoopGroup
    /// `tls://host:port` or `tcp://host:port`, for messages.
    let endpoint: String
    /// The name sent for SNI and checked against the certificate; nil for an IP address.
    private let serverHostname: String?

    init(output: String, tcp: TCPTransportConfig, tls: TLSTransportConfig?, group: any EventLoopGroup) {
        self.output = output
        host = tcp.host
        port = tcp.port
        connectTimeout = tcp.connectTimeout
        ackTimeout = tcp.ackTimeout
        self.tls = tls
        self.group = group
        endpoint = "\(tls == nil ? "tcp" : "tls")://\(tcp.host):\(tcp.port)"
        let sni = tls?.serverName ?? tcp.host
        serverHostname = (try? SocketAddress(ipAddress: sni, port: 0)) == nil ? sni : nil
    }

    /// A connection ready for records: connected, and for TLS with the handshake done, all
    /// within `connect_timeout`.
    func connect() async throws(TransportError) -> Connection {
        let sslContext: NIOSSLContext?
        if let tls {
            sslContext = try Self.makeSSLContext(tls, output: output, endpoint: endpoint)
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
                try Self.addHandlers(to: channel.pipeline.syncOperations, state: state, sslContext: sslContext, serverHostname: serverHostname)
            }
        }
        let started = ContinuousClock.now
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            state.ready.fail(error)
            state.failed(TransportError.reason(error))
            throw TransportError(Self.connectFailureKind(error), output: output, endpoint: endpoint, error: error)
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
            throw TransportError(kind, output: output, endpoint: endpoint, error: error)
        }
        return Connection(channel: channel, state: state)
    }

    /// The stream pipeline: bytes counted next to the socket (below TLS, so the count compares
    /// with the kernel's acknowledgements), TLS when configured, and the handler that reports the
    /// connection's events.
    static func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations, state: ConnectionState, sslContext: NIOSSLContext?,
                            serverHostname: String?) throws {
        try pipeline.addHandler(ByteCountingHandler(state: state))
        if let sslContext {
            try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
        }
        try pipeline.addHandler(ConnectionEventHandler(state: state, tls: sslContext != nil))
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
