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

/// Quiet unless `TRANSPORT_TEST_LOGS` is set.
let testLogger: Logger = {
    guard ProcessInfo.processInfo.environment["TRANSPORT_TEST_LOGS"] != nil else {
        return Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    }
    var logger = Logger(label: "test")
    logger.logLevel = .debug
    return logger
}()

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

    @Test("a collector that stops reading slows the output down instead of filling memory")
    func backPressure() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let sink = StreamSink(name: "tcp", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port), confirmDelay: .milliseconds(100),
                              logger: testLogger)
        let commits = CommitLog()
        let padding = ",\"pad\":\"" + String(repeating: "x", count: 900) + "\""
        let batches = 60
        let perBatch = 500
        syslog.send(SIGSTOP)
        let written = Counted()
        let writer = Task {
            for batch in 0..<batches {
                let records = SyslogLines.batch((batch * perBatch + 1)...((batch + 1) * perBatch), framer: OctetCountingFramer(), padding: padding)
                try await sink.write(records, now: now(), commit: commits.committer)
                written.increment()
            }
        }
        // About 30 MB are offered; the kernel's socket buffers take a few, then writes wait.
        var previous = -1
        while written.value != previous {
            previous = written.value
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(written.value < batches, "every write completed although the collector read nothing")
        #expect(commits.all.isEmpty)
        syslog.send(SIGCONT)
        try await writer.value
        let confirmed = try await tick(sink, commit: commits.committer) { commits.last == Int64(batches * perBatch) }
        #expect(confirmed)
        try await sink.finish(now: now(), commit: commits.committer)
        try await syslog.stop()
    }

    @Test("a collector that stopped reading does not hold up shutdown; the next start delivers the rest")
    func shutdownWithStuckCollector() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/syslog-ng")
        try await syslog.start()
        func sink() -> StreamSink {
            StreamSink(name: "siem", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: Self.fastRetry),
                       confirmDelay: .milliseconds(100), finishTimeout: .seconds(1), logger: testLogger)
        }
        let total = 40_000
        let large = TestSyslogEncoder(padding: ",\"pad\":\"" + String(repeating: "x", count: 900) + "\"")
        let output = try await OutputHarness(sink: sink(), directory: dir.path + "/state", encoder: large, batchSize: 1000, drainOnStop: .seconds(1))
        try await output.publish(1...100)
        #expect(try await output.committed(100, within: .seconds(15)))

        // The collector stops reading; about 40 MB wait to be sent, more than the socket buffers hold.
        syslog.send(SIGSTOP)
        for start in stride(from: 101, through: total, by: 10_000) {
            try await output.publish(start...min(start + 9_999, total))
        }
        let stalledAt = await output.service.committedSequence()
        try await Task.sleep(for: .milliseconds(300))
        #expect(await output.service.committedSequence() < Int64(total))

        // SIGTERM: the drain (1 s) and the blocked write (finish 1 s) are bounded, so this returns.
        let stopped = ContinuousClock.now
        try await output.shutdown()
        let took = ContinuousClock.now - stopped
        #expect(took < .seconds(15), "shutdown took \(took) with a collector that reads nothing")
        let committed = try #require(try await output.journal.outputPosition("siem")).sequence
        #expect(committed >= stalledAt && committed < Int64(total))
        await output.journal.close()

        // The collector reads again; the next start resends from the committed position.
        syslog.send(SIGCONT)
        let restarted = try await OutputHarness(sink: sink(), directory: dir.path + "/state", encoder: large, batchSize: 1000)
        #expect(try await restarted.committed(Int64(total), within: .seconds(60)))
        try await restarted.shutdown()
        let ids = Set(SyslogLines.ids(try await syslog.waitForMessages(covering: Set((1...total).map { "E\($0)" }))))
        try await syslog.stop()
        let missing = Set(1...total).subtracting(ids)
        #expect(missing.isEmpty, "\(missing.count) missing, from \(missing.min() ?? 0)")
        await restarted.journal.close()
    }

    @Test("stopping syslog-ng for a while and restarting it loses nothing: the output service resends from the journal")
    func outageThroughOutputService() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let sink = StreamSink(name: "siem", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: Self.fastRetry),
                              confirmDelay: .milliseconds(300), logger: testLogger)
        let output = try await OutputHarness(sink: sink, directory: dir.path + "/state")

        try await output.publish(1...200)
        #expect(try await output.committed(200, within: .seconds(15)))

        // Records keep coming while the collector goes away for a while and comes back.
        let producer = Task {
            for start in stride(from: 201, through: 600, by: 10) {
                try await output.publish(start...(start + 9))
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try await Task.sleep(for: .milliseconds(150))
        try await syslog.stop()
        try await Task.sleep(for: .seconds(1))
        try await syslog.start()
        try await producer.value
        #expect(try await output.committed(600, within: .seconds(30)))
        try await output.shutdown()

        let messages = try await syslog.waitForMessages(covering: Set((1...600).map { "E\($0)" }))
        try await syslog.stop()
        let ids = SyslogLines.ids(messages)
        #expect(Set(ids) == Set(1...600), "missing: \(Set(1...600).subtracting(ids).sorted())")
        // Only records sent within about confirmDelay of the outage can arrive twice.
        #expect(ids.count - Set(ids).count <= 200, "\(ids.count - Set(ids).count) duplicates")
        #expect(try await output.journal.outputPosition("siem")?.sequence == 600)
        await output.journal.close()
    }

    @Test("a collector that dies with records unread in its socket buffer loses nothing: they are sent again")
    func crashWithUnreadRecords() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let metrics = TestCounters()
        // A long confirmDelay keeps the test independent of how busy the machine is.
        let sink = withMetricsFactory(metrics) {
            StreamSink(name: "siem", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: Self.fastRetry),
                       confirmDelay: .seconds(4), logger: testLogger)
        }
        let output = try await OutputHarness(sink: sink, directory: dir.path + "/state")
        try await output.publish(1...100)
        #expect(try await output.committed(100, within: .seconds(30)))

        // The collector stops reading: its kernel still acknowledges what fits in its buffer.
        syslog.send(SIGSTOP)
        try await output.publish(101...300)
        let deadline = ContinuousClock.now + .seconds(3)
        while metrics.gauge("siem_forwarder_output_unconfirmed_records") < 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(metrics.gauge("siem_forwarder_output_unconfirmed_records") == 200, "all 200 written, none confirmed")
        #expect(await output.service.committedSequence() == 100, "acknowledged but unread records are not confirmed yet")
        // It dies before reading them (within confirmDelay): its kernel resets the connection.
        try await syslog.kill()
        try await syslog.start()
        #expect(try await output.committed(300, within: .seconds(30)))
        try await output.shutdown()

        let messages = try await syslog.waitForMessages(covering: Set((1...300).map { "E\($0)" }))
        try await syslog.stop()
        let ids = SyslogLines.ids(messages)
        #expect(Set(ids) == Set(1...300), "missing: \(Set(1...300).subtracting(ids).sorted())")
        #expect(metrics.value("siem_forwarder_output_unconfirmed_resent_total") >= 200)
        await output.journal.close()
    }
}

/// A real output service over a real journal in a temp dir, run in a service group, with
/// events published (appended and released) by the test.
final class OutputHarness: Sendable {
    let journal: Journal
    let service: OutputService
    private let wakeup = Wakeup()
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    init(sink: any RecordSink, directory: String, encoder: TestSyslogEncoder = TestSyslogEncoder(), framer: any RecordFramer = OctetCountingFramer(),
         batchSize: Int = 25, drainOnStop: Duration? = nil, health: HealthRegistry? = nil) async throws {
        journal = try Journal(directory: directory)
        service = OutputService(
            name: "siem", encoder: encoder, framer: framer, sink: sink, journal: journal, wakeup: wakeup,
            batchSize: batchSize, retry: Backoff(initial: .milliseconds(100), maximum: .milliseconds(300)), drainOnStop: drainOnStop,
            health: health, logger: testLogger
        )
        let group = ServiceGroup(configuration: .init(services: [service], logger: testLogger))
        self.group = group
        running = Task { try await group.run() }
    }

    /// Appends events with ids `range` (event time n ms, so sequence n) and releases them
    /// (unless `release` is false: then `release(upTo:)` does).
    func publish(_ range: ClosedRange<Int>, release: Bool = true) async throws {
        let events = range.map { n in
            TwilioEvent(id: "\(n)", dedupKey: "E\(n)", time: Timestamp(epochMilliseconds: Int64(n)), origin: .monitor,
                        type: "ip.blocked", raw: Array("{}".utf8))
        }
        try await journal.append(events, receivedAt: now())
        if release { try await self.release(upTo: range.upperBound) }
    }

    /// Releases every appended event with an id up to `last` and wakes the output.
    func release(upTo last: Int) async throws {
        _ = try await journal.release(upTo: Timestamp(epochMilliseconds: Int64(last)), lateAtOrBefore: .distantPast, limit: 10_000)
        await wakeup.signal()
    }

    /// Whether the output commits `sequence` within `timeout`.
    func committed(_ sequence: Int64, within timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while await service.committedSequence() < sequence {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Graceful shutdown: the service drains, finishes its sink and returns.
    func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

/// Closes every accepted connection at once.
final class CloseOnActive: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }
}

/// A counter shared between a test and a task it runs.
final class Counted: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
