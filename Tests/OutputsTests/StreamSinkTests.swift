import OutputFormats
import TestSupport
import ForwarderCore
import Foundation
import Journal
import Logging
import NIOCore
import NIOPosix
import Outputs
import ServiceLifecycle
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif
import CoreMetrics

/// The TCP and TLS outputs against a real syslog-ng: every record once in either framing, TLS
/// trust and client certificates, and collectors that refuse, slam or restart the connection.
@Suite("TCP and TLS outputs", .enabled(if: SyslogNG.interopTestsRun), .timeLimit(.minutes(2)))
struct StreamSinkTests {
    static let fastRetry = RetryConfig(initial: .milliseconds(100), max: .milliseconds(500))

    /// Writes `range` in batches through `sink`, then ticks until all of it is committed.
    func deliver(_ range: ClosedRange<Int>, batch: Int = 50, framer: any RecordFramer, to sink: StreamSink, commits: CommitLog) async throws {
        for start in stride(from: range.lowerBound, through: range.upperBound, by: batch) {
            let end = min(start + batch - 1, range.upperBound)
            let records = SyslogLines.batch(start...end, framer: framer)
            try await sink.write(records, now: now(), commit: commits.committer)
        }
        let confirmed = try await tick(sink, commit: commits.committer) { commits.last == Int64(range.upperBound) }
        #expect(confirmed, "committed \(commits.last) of \(range.upperBound)")
    }

    func expectParsed(_ messages: [SyslogNG.Message], ids expected: ClosedRange<Int>) throws {
        let ids = SyslogLines.ids(messages)
        #expect(ids.sorted() == Array(expected))
        let first = try #require(messages.first { $0.structuredData["twilio@32473"]?["id"] == "E\(expected.lowerBound)" })
        #expect(first.host == "host")
        #expect(first.program == "app")
        #expect(first.msgid == "ip.blocked")
        #expect(first.pri == 134)
        #expect(first.structuredData["twilio@32473"]?["type"] == "ip.blocked")
        #expect(first.message == "{\"n\":\(expected.lowerBound)}")
    }

    @Test("TCP delivers every record once, octet-counted or LF-delimited, and commits only confirmed positions",
          arguments: [true, false])
    func tcp(octetCounting: Bool) async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: octetCounting), directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let framer: any RecordFramer = octetCounting ? OctetCountingFramer() : NewlineDelimitedFramer()
        let sink = StreamSink(name: "tcp", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, framing: octetCounting ? .octetCounting : .lf),
                              confirmDelay: .milliseconds(200), logger: testLogger)
        let commits = CommitLog()
        _ = try await sink.recover(position: .init(), files: [], commit: commits.committer)
        let records = SyslogLines.batch(1...10, framer: framer)
        try await sink.write(records, now: now(), commit: commits.committer)
        #expect(commits.all.isEmpty, "a completed write alone commits nothing")
        try await deliver(11...300, framer: framer, to: sink, commits: commits)
        #expect(commits.all == commits.all.sorted())

        // A batch written right before shutdown is committed by finish once the collector has
        // closed its side after reading everything.
        let tail = SyslogLines.batch(301...320, framer: framer)
        try await sink.write(tail, now: now(), commit: commits.committer)
        try await sink.finish(now: now(), commit: commits.committer)
        #expect(commits.last == 320)

        let messages = try await syslog.waitForMessages(320)
        try await syslog.stop()
        try expectParsed(messages, ids: 1...320)
    }

    @Test("TLS with the test CA, the server's DNS name and a client certificate the collector requires delivers every record",
          arguments: [true, false])
    func tls(octetCounting: Bool) async throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        // The certificate names only DNS:localhost, so connecting to 127.0.0.1 passes by the name.
        let syslog = SyslogNG(.tls(octetCounting: octetCounting, certFile: ca.dnsOnlyCert, keyFile: ca.dnsOnlyKey, clientCA: ca.caFile),
                              directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let framer: any RecordFramer = octetCounting ? OctetCountingFramer() : NewlineDelimitedFramer()
        let config = TLSTransportConfig(
            tcp: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, framing: octetCounting ? .octetCounting : .lf),
            caFile: ca.caFile, certFile: ca.clientCert, keyFile: ca.clientKey, serverName: "localhost", verifyHostname: true
        )
        let sink = try StreamSink(name: "tls", config: config, confirmDelay: .milliseconds(200), logger: testLogger)
        let commits = CommitLog()
        try await deliver(1...200, framer: framer, to: sink, commits: commits)
        // finish sends close_notify, and commits the tail once the collector closes too.
        let tail = SyslogLines.batch(201...220, framer: framer)
        try await sink.write(tail, now: now(), commit: commits.committer)
        try await sink.finish(now: now(), commit: commits.committer)
        #expect(commits.last == 220)
        let messages = try await syslog.waitForMessages(220)
        try await syslog.stop()
        try expectParsed(messages, ids: 1...220)
    }

    @Test("TLS refuses a collector whose certificate is not from the configured CA, or not for the server name",
          arguments: ["wrong CA", "wrong name"])
    func tlsRejected(problem: String) async throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let other = try TestCA(directory: dir.path + "/other", name: "Other CA")
        let wrongCA = problem == "wrong CA"
        let syslog = SyslogNG(.tls(octetCounting: true, certFile: wrongCA ? ca.serverCert : ca.elsewhereCert, keyFile: wrongCA ? ca.serverKey : ca.elsewhereKey),
                              directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let config = TLSTransportConfig(
            tcp: TCPTransportConfig(host: "127.0.0.1", port: syslog.port), caFile: wrongCA ? other.caFile : ca.caFile, serverName: "localhost"
        )
        let sink = try StreamSink(name: "tls", config: config, logger: testLogger)
        let commits = CommitLog()
        let records = SyslogLines.batch(1...5, framer: OctetCountingFramer())
        let error = await #expect(throws: TransportError.self) {
            try await sink.write(records, now: now(), commit: commits.committer)
        }
        try await syslog.stop()
        #expect(error?.kind == .tlsHandshake)
        #expect(error?.description.contains("TLS handshake") == true)
        #expect(error?.description.contains("tls://127.0.0.1:\(syslog.port)") == true)
        #expect(commits.all.isEmpty)
        #expect(try syslog.messages().isEmpty)
    }

    @Test("a collector that requires a client certificate gets nothing from a sink without one, and nothing is committed")
    func tlsClientCertificateRequired() async throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let syslog = SyslogNG(.tls(octetCounting: true, certFile: ca.serverCert, keyFile: ca.serverKey, clientCA: ca.caFile),
                              directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let config = TLSTransportConfig(tcp: TCPTransportConfig(host: "127.0.0.1", port: syslog.port), caFile: ca.caFile, serverName: "localhost")
        let sink = try StreamSink(name: "tls", config: config, confirmDelay: .milliseconds(100), logger: testLogger)
        let commits = CommitLog()
        let records = SyslogLines.batch(1...5, framer: OctetCountingFramer())
        // With TLS 1.3 the collector checks the client after the client's handshake is done, so
        // the refusal may come at the write or at the next confirmation check.
        let failure: TransportError? = await {
            do {
                try await sink.write(records, now: now(), commit: commits.committer)
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    try await sink.tick(now: now(), commit: commits.committer)
                    try await Task.sleep(for: .milliseconds(20))
                }
                return nil
            } catch {
                return error as? TransportError
            }
        }()
        try await syslog.stop()
        #expect(failure != nil, "the sink reports the refusal")
        #expect(commits.all.isEmpty)
        #expect(try syslog.messages().isEmpty)
    }

    @Test("a collector that accepts and closes at once costs an error and nothing else: the retry delivers everything")
    func acceptThenClose() async throws {
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let slammer = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CloseOnActive()) }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let sink = StreamSink(name: "tcp", config: TCPTransportConfig(host: "127.0.0.1", port: port, reconnect: Self.fastRetry),
                              confirmDelay: .milliseconds(200), logger: testLogger)
        let commits = CommitLog()
        let framer = OctetCountingFramer()
        let records = SyslogLines.batch(1...50, framer: framer)
        var failure: TransportError?
        do {
            try await sink.write(records, now: now(), commit: commits.committer)
            _ = try await tick(sink, commit: commits.committer, timeout: .seconds(5)) { false }
        } catch let error as TransportError {
            failure = error
        }
        let error = try #require(failure)
        #expect([.peerClosed, .connectionLost].contains(error.kind))
        #expect(error.unconfirmed == 50)
        #expect(commits.all.isEmpty)
        try await slammer.close()

        // The collector comes back on the same port; resending from the committed position
        // (what the output service does after the error) delivers everything.
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/syslog-ng", port: port)
        try await syslog.start()
        _ = try await sink.recover(position: OutputPosition(sequence: commits.last), files: [], commit: commits.committer)
        try await deliver(1...100, framer: framer, to: sink, commits: commits)
        try await sink.finish(now: now(), commit: commits.committer)
        let messages = try await syslog.waitForMessages(100)
        try await syslog.stop()
        #expect(SyslogLines.ids(messages).sorted() == Array(1...100))
    }

    @Test("a collector restarted while the connection is idle is reconnected to before the next write, without an error")
    func idleRestart() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let sink = StreamSink(name: "tcp", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: Self.fastRetry),
                              confirmDelay: .milliseconds(100), logger: testLogger)
        let commits = CommitLog()
        try await deliver(1...20, framer: OctetCountingFramer(), to: sink, commits: commits)
        try await syslog.stop()
        try await syslog.start()
        try await deliver(21...40, framer: OctetCountingFramer(), to: sink, commits: commits)
        try await sink.finish(now: now(), commit: commits.committer)
        let messages = try await syslog.waitForMessages(40)
        try await syslog.stop()
        #expect(SyslogLines.ids(messages).sorted() == Array(1...40))
    }
}

/// Closes every accepted connection at once.
final class CloseOnActive: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }
}
