#if canImport(Glibc)
import Glibc
#endif
import ForwarderCore
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import OutputFormats
import Synchronization
import TestSupport
import Testing
@testable import Outputs

/// The handlers a stream output installs on its connection, on NIO's `EmbeddedChannel`: the
/// byte count the acknowledgements are compared with, and what the connection's phase says after
/// each thing a collector can do. TLS runs the real NIOSSL client against a NIOSSL server on a
/// second embedded channel, with the test CA; no socket, no collector.
@Suite("Stream connection handlers")
struct StreamConnectionTests {
    static var collector: SocketAddress {
        get throws { try SocketAddress(ipAddress: "127.0.0.1", port: 6514) }
    }

    /// The pipeline the connector installs for plain TCP, on an embedded channel.
    static func tcp() throws -> (EmbeddedChannel, ConnectionState) {
        let channel = EmbeddedChannel()
        let state = ConnectionState(eventLoop: channel.eventLoop)
        try StreamConnector.addHandlers(to: channel.pipeline.syncOperations, state: state, sslContext: nil, serverHostname: nil)
        return (channel, state)
    }

    /// The pipeline the connector installs for TLS (trusting the test CA, expecting `localhost`),
    /// connected to a NIOSSL server presenting `certFile`; nothing exchanged yet.
    static func tls(_ ca: TestCA, certFile: String? = nil, keyFile: String? = nil) throws -> (EmbeddedChannel, EmbeddedChannel, ConnectionState) {
        let config = TLSTransportConfig(tcp: TCPTransportConfig(host: "127.0.0.1", port: 6514), caFile: ca.caFile, serverName: "localhost")
        let context = try StreamConnector.makeSSLContext(config, output: "tls", endpoint: "tls://127.0.0.1:6514")
        let client = EmbeddedChannel()
        client.allowRemoteHalfClosure = true
        let state = ConnectionState(eventLoop: client.eventLoop)
        try StreamConnector.addHandlers(to: client.pipeline.syncOperations, state: state, sslContext: context, serverHostname: "localhost")

        let server = EmbeddedChannel()
        let serverConfig = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certFile ?? ca.serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile ?? ca.serverKey, format: .pem))
        )
        try server.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: NIOSSLContext(configuration: serverConfig)))
        try server.connect(to: collector).wait()
        try client.connect(to: collector).wait()
        return (client, server, state)
    }

    /// Moves bytes between the two channels until neither has more to send; returns how many the
    /// client sent.
    @discardableResult
    static func exchange(_ client: EmbeddedChannel, _ server: EmbeddedChannel) throws -> Int {
        var sent = 0
        var moved = true
        while moved {
            moved = false
            while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                sent += bytes.readableBytes
                _ = try? server.writeInbound(bytes)
                moved = true
            }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                _ = try? client.writeInbound(bytes)
                moved = true
            }
        }
        return sent
    }

    /// How `future` completed, or nil while it has not.
    static func outcome(_ future: EventLoopFuture<Void>) -> Result<Void, any Error>? {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        future.whenComplete { result in outcome.withLock { $0 = result } }
        return outcome.withLock { $0 }
    }

    /// Whether the connection recorded that TLS ended with the collector's close_notify.
    static func endedWithCloseNotify(_ state: ConnectionState) -> Bool {
        state.closedWithCloseNotify.load(ordering: .acquiring)
    }

    static func bytesSent(_ state: ConnectionState) -> Int64 {
        state.bytesSent.load(ordering: .relaxed)
    }

    static func succeeded(_ future: EventLoopFuture<Void>) -> Bool {
        if case .success = outcome(future) { true } else { false }
    }

    static func failed(_ future: EventLoopFuture<Void>) -> Bool {
        if case .failure = outcome(future) { true } else { false }
    }

    // MARK: TCP

    @Test("every byte written is counted as it goes into the socket, and passes unchanged")
    func countsBytes() throws {
        let (channel, state) = try Self.tcp()
        try channel.connect(to: Self.collector).wait()
        try channel.writeAndFlush(ByteBuffer(string: "0123456789")).wait()
        try channel.writeAndFlush(ByteBuffer(repeating: 0x41, count: 25)).wait()
        #expect(Self.bytesSent(state) == 35)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "0123456789"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(repeating: 0x41, count: 25))
    }

    @Test("plain TCP is ready once connected, and what the collector sends is discarded")
    func tcpReady() throws {
        let (channel, state) = try Self.tcp()
        #expect(Self.outcome(state.ready.futureResult) == nil)
        try channel.connect(to: Self.collector).wait()
        #expect(Self.succeeded(state.ready.futureResult))
        try channel.writeInbound(ByteBuffer(string: "<13>1 - - - - - - a collector talking back"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(state.current == .open)
        #expect(Self.outcome(state.ended.futureResult) == nil)
    }

    @Test("the collector's FIN is a clean close by the peer, which proves nothing about TLS; the channel closing after it is a close")
    func tcpPeerClose() throws {
        let (channel, state) = try Self.tcp()
        try channel.connect(to: Self.collector).wait()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(state.current == .peerClosed)
        #expect(Self.succeeded(state.ended.futureResult))
        #expect(!Self.endedWithCloseNotify(state))
        try channel.close().wait()
        #expect(state.current == .closed)
    }

    @Test("a failure is recorded with the system's reason and closes the connection; closing afterwards keeps the reason")
    func tcpFailure() throws {
        let (channel, state) = try Self.tcp()
        try channel.connect(to: Self.collector).wait()
        channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNRESET, reason: "read"))
        #expect(state.current == .failed("Connection reset by peer"))
        #expect(!channel.isActive)
        #expect(Self.succeeded(state.ended.futureResult))
    }

    @Test("a connection that fails before it is ready fails the wait for it")
    func failsBeforeReady() throws {
        let channel = EmbeddedChannel()
        let early = ConnectionState(eventLoop: channel.eventLoop)
        try StreamConnector.addHandlers(to: channel.pipeline.syncOperations, state: early, sslContext: nil, serverHostname: nil)
        channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        #expect(Self.failed(early.ready.futureResult))
        #expect(early.current == .failed("Connection refused"))
    }

    // MARK: TLS

    @Test("TLS is ready only after the handshake, and the count includes the TLS record bytes the kernel acknowledges")
    func tlsReady() throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let (client, server, state) = try Self.tls(ca)
        #expect(Self.outcome(state.ready.futureResult) == nil, "not ready before the handshake")
        var sent = try Self.exchange(client, server)
        #expect(Self.succeeded(state.ready.futureResult))
        let record = ByteBuffer(string: #"<134>1 2026-11-20T08:15:00.123Z host app - ip.blocked - {"n":1}"#)
        client.writeAndFlush(record, promise: nil)
        sent += try Self.exchange(client, server)
        #expect(try server.readInbound(as: ByteBuffer.self) == record)
        #expect(Self.bytesSent(state) == Int64(sent))
        #expect(sent > record.readableBytes)
        #expect(state.current == .open)
    }

    @Test("the collector's close_notify is a clean close by the peer that ended TLS")
    func tlsCloseNotify() throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let (client, server, state) = try Self.tls(ca)
        try Self.exchange(client, server)
        server.close(promise: nil)
        try Self.exchange(client, server)
        #expect(state.current == .peerClosed)
        #expect(Self.endedWithCloseNotify(state))
    }

    @Test("a TCP FIN without close_notify inside TLS is a close by the peer, but does not count as TLS ended with close_notify")
    func tlsRaggedClose() throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let (client, server, state) = try Self.tls(ca)
        try Self.exchange(client, server)
        client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(state.current == .peerClosed)
        #expect(!Self.endedWithCloseNotify(state), "a plain close proves nothing about records in flight")
    }

    @Test("TLS completing its shutdown means the collector answered with close_notify")
    func tlsShutdownCompleted() throws {
        let tlsChannel = EmbeddedChannel()
        let tlsState = ConnectionState(eventLoop: tlsChannel.eventLoop)
        try tlsChannel.pipeline.syncOperations.addHandler(ConnectionEventHandler(state: tlsState, tls: true))
        try tlsChannel.connect(to: Self.collector).wait()
        #expect(Self.outcome(tlsState.ready.futureResult) == nil, "TLS is not ready on connect")
        tlsChannel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        #expect(Self.succeeded(tlsState.ready.futureResult))
        tlsChannel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.shutdownCompleted)
        #expect(Self.endedWithCloseNotify(tlsState))
    }

    @Test("a collector whose certificate the CA did not sign fails the handshake: the connection fails and is never ready")
    func tlsUntrusted() throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let other = try TestCA(directory: dir.path + "/other", name: "Other CA")
        let (client, server, state) = try Self.tls(ca, certFile: other.serverCert, keyFile: other.serverKey)
        try Self.exchange(client, server)
        #expect(Self.failed(state.ready.futureResult))
        guard case .failed(let reason) = state.current else {
            Issue.record("the phase is \(state.current)")
            return
        }
        #expect(reason.contains("CERTIFICATE_VERIFY_FAILED") || reason.lowercased().contains("certificate"), "\(reason)")
        #expect(!client.isActive)
    }
}

/// Opening a stream output's connection where no collector is needed to see the outcome.
@Suite("Opening a stream connection")
struct StreamConnectorTests {
    @Test("TLS settings that cannot be loaded fail when the sink is made")
    func tlsConfiguration() throws {
        let missing = TLSTransportConfig(tcp: TCPTransportConfig(host: "127.0.0.1", port: 6514), caFile: "/nonexistent/ca.pem")
        let error = #expect(throws: TransportError.self) { try StreamSink(name: "tls", config: missing, logger: testLogger) }
        #expect(error?.kind == .tlsConfiguration)
        #expect(error?.description.contains("/nonexistent/ca.pem") == true)
        let halfClient = TLSTransportConfig(tcp: TCPTransportConfig(host: "127.0.0.1", port: 6514), certFile: "/tmp/client.pem")
        #expect(throws: TransportError.self) { try StreamSink(name: "tls", config: halfClient, logger: testLogger) }
    }

    @Test("a refused connection is a connect error naming the collector")
    func refused() async throws {
        let port = try SyslogNG.freePort(datagram: false)
        let sink = StreamSink(name: "tcp", config: TCPTransportConfig(host: "127.0.0.1", port: port), logger: testLogger)
        let records = SyslogLines.batch(1...1, framer: OctetCountingFramer())
        let error = await #expect(throws: TransportError.self) {
            try await sink.write(records, now: now(), commit: CommitLog().committer)
        }
        #expect(error?.kind == .connect)
        #expect(error?.description.contains("tcp://127.0.0.1:\(port)") == true)
    }
}
