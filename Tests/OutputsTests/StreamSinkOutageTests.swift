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

/// The TCP output against collectors that stall, stop or die: back-pressure instead of memory,
/// a bounded shutdown, and nothing lost across an outage (what was unconfirmed is sent again).
@Suite("TCP outputs and collectors that stall or fail", .enabled(if: SyslogNG.interopTestsRun), .timeLimit(.minutes(2)))
struct StreamSinkOutageTests {
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
            StreamSink(name: "siem", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: StreamSinkTests.fastRetry),
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
        let sink = StreamSink(name: "siem", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: StreamSinkTests.fastRetry),
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
            StreamSink(name: "siem", config: TCPTransportConfig(host: "127.0.0.1", port: syslog.port, reconnect: StreamSinkTests.fastRetry),
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

/// A counter shared between a test and a task it runs.
final class Counted: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
