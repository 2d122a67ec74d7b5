import Journal
import TestSupport
import CoreMetrics
import ForwarderCore
import Foundation
import Logging
import NIOCore
import Outputs
import Testing

@Suite("UDP output")
struct UDPSinkTests {
    @Test("records are cut at the limit on a UTF-8 character boundary")
    func truncation() {
        let text = "ab€cd"  // € is three bytes: e2 82 ac at offsets 2...4
        let buffer = ByteBuffer(string: text)
        #expect(UDPSink.truncationLength(of: buffer, limit: 100) == 7)
        #expect(UDPSink.truncationLength(of: buffer, limit: 7) == 7)
        #expect(UDPSink.truncationLength(of: buffer, limit: 6) == 6)
        #expect(UDPSink.truncationLength(of: buffer, limit: 5) == 5)
        #expect(UDPSink.truncationLength(of: buffer, limit: 4) == 2)
        #expect(UDPSink.truncationLength(of: buffer, limit: 3) == 2)
        #expect(UDPSink.truncationLength(of: buffer, limit: 2) == 2)
        #expect(UDPSink.truncationLength(of: buffer, limit: 0) == 0)
    }

    @Test("every record reaches syslog-ng as its own parsed datagram; long ones arrive truncated",
          .enabled(if: SyslogNG.interopTestsRun), .timeLimit(.minutes(1)))
    func delivery() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.udp, directory: dir.path + "/syslog-ng")
        try await syslog.start()
        let metrics = TestCounters()
        let sink = withMetricsFactory(metrics) {
            UDPSink(name: "udp", config: UDPTransportConfig(host: "127.0.0.1", port: syslog.port, maxDatagramBytes: 480), logger: Logger(label: "test"))
        }
        let commits = CommitLog()
        _ = try await sink.recover(position: .init(), files: [], commit: commits.committer)
        let total = 200
        for start in stride(from: 1, through: total, by: 20) {
            let records = SyslogLines.batch(start...(start + 19))
            try await sink.write(records, now: now(), commit: commits.committer)
            #expect(commits.last == Int64(start + 19))
            // Modest pacing so syslog-ng's socket buffer never overflows on a busy machine.
            try await Task.sleep(for: .milliseconds(5))
        }
        let long = SyslogLines.batch((total + 1)...(total + 1), padding: ",\"x\":\"" + String(repeating: "é", count: 400) + "\"")
        try await sink.write(long, now: now(), commit: commits.committer)
        try await sink.finish(now: now(), commit: commits.committer)

        let messages = try await syslog.waitForMessages(total + 1)
        try await syslog.stop()
        #expect(Set(SyslogLines.ids(messages)) == Set(1...(total + 1)))
        #expect(messages.count == total + 1)
        let first = try #require(messages.first { $0.structuredData["twilio@32473"]?["id"] == "E1" })
        #expect(first.host == "host")
        #expect(first.program == "app")
        #expect(first.msgid == "ip.blocked")
        #expect(first.pri == 134)
        #expect(first.facility == "local0")
        #expect(first.severity == "info")
        #expect(first.structuredData["twilio@32473"]?["type"] == "ip.blocked")
        #expect(first.message == #"{"n":1}"#)
        let cut = try #require(messages.first { $0.structuredData["twilio@32473"]?["id"] == "E\(total + 1)" })
        let cutLength = try #require(cut.message).utf8.count
        #expect(cutLength < 480 && cutLength > 300)
        #expect(metrics.value("siem_forwarder_output_truncated_total") == 1)
        #expect(metrics.value("siem_forwarder_output_dropped_total") == 0)
        #expect(commits.last == Int64(total + 1))
    }

    @Test("a collector that is not listening costs dropped datagrams, never an error", .timeLimit(.minutes(1)))
    func refused() async throws {
        let port = try SyslogNG.freePort(datagram: true)
        let metrics = TestCounters()
        let sink = withMetricsFactory(metrics) {
            UDPSink(name: "udp", config: UDPTransportConfig(host: "127.0.0.1", port: port), logger: Logger(label: "test"))
        }
        let commits = CommitLog()
        for batch in 0..<20 {
            let records = SyslogLines.batch((batch * 5 + 1)...(batch * 5 + 5))
            try await sink.write(records, now: now(), commit: commits.committer)
            if metrics.value("siem_forwarder_output_dropped_total") > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await sink.finish(now: now(), commit: commits.committer)
        #expect(metrics.value("siem_forwarder_output_dropped_total") > 0)
        #expect(commits.last > 0)
    }

    @Test("a host name that does not resolve is a resolve error")
    func unresolvable() async throws {
        let sink = UDPSink(name: "udp", config: UDPTransportConfig(host: "collector.invalid", port: 514), logger: Logger(label: "test"))
        let records = SyslogLines.batch(1...1)
        let error = await #expect(throws: TransportError.self) {
            try await sink.write(records, now: now(), commit: CommitLog().committer)
        }
        #expect(error?.kind == .resolve)
        #expect(error?.description.contains("collector.invalid") == true)
    }
}
