import ForwarderCore
import Foundation
import Journal
import Logging
import NATSClient
import NIOCore
@testable import Outputs
import TestSupport
import Testing

/// The JetStream output against a real nats-server: positions commit only after the stream
/// acknowledged, a resend is stored once, a dead server fails the batch without committing it.
@Suite("NATS JetStream output", .serialized, .enabled(if: NATSServer.testsRun))
struct NATSSinkTests {
    let t0 = Timestamp(epochMilliseconds: 1_795_162_500_000)

    func batch(_ range: ClosedRange<Int>, type: String = "account.updated") -> RecordBatch {
        var bytes = ByteBuffer()
        var lengths: [Int] = []
        for i in range {
            let start = bytes.writerIndex
            bytes.writeString("{\"n\":\(i)}\n")
            lengths.append(bytes.writerIndex - start)
        }
        let records = range.map { RecordBatch.Record(key: "AE\($0)", dataset: "monitor", type: type, account: "ACaaa") }
        return RecordBatch(bytes: bytes, lengths: lengths, records: records, through: Int64(range.upperBound))
    }

    func settings(_ server: NATSServer, stream: String = "TWILIO") -> NATSTransportConfig {
        NATSTransportConfig(client: NATSClientConfig(servers: [server.url]), stream: stream, subject: "twilio.{dataset}.{type}", ackWait: .seconds(2))
    }

    /// A recording committer: the positions the sink committed, in order.
    actor Commits {
        var positions: [Int64] = []
        func add(_ commit: OutputCommit) {
            if case .position(let position) = commit { positions.append(position.sequence) }
        }
    }

    @Test("every record is stored once with its key as Nats-Msg-Id on its subject; a resent batch adds nothing; the position follows the acknowledgements")
    func exactlyOnceIntoTheStream() async throws {
        let dir = TestDirectory()
        let server = try NATSServer(directory: dir.path + "/nats")
        try await server.start()
        defer { Task { await server.stop() } }
        let admin = try NATSConnection(settings(server).client)
        try admin.createStream("TWILIO", subject: "twilio.>", duplicateWindow: .seconds(120))

        let commits = Commits()
        let commit = OutputCommitter { await commits.add($0) }
        let sink = NATSSink(name: "bus", settings: settings(server), logger: Logger(label: "test"))
        _ = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        try await sink.write(batch(1...5), now: t0, commit: commit)
        // A crash before the commit: the next run sends the same batch again, and one more.
        try await sink.write(batch(1...5), now: t0, commit: commit)
        try await sink.write(batch(6...7, type: "com.twilio.iam.ip.blocked"), now: t0, commit: commit)
        try await sink.finish(now: t0, commit: commit)

        let stored = try admin.storedMessages(in: "TWILIO")
        #expect(stored.map(\.id) == (1...7).map { "AE\($0)" })
        #expect(stored.prefix(5).allSatisfy { $0.subject == "twilio.monitor.account.updated" })
        #expect(stored.suffix(2).allSatisfy { $0.subject == "twilio.monitor.com.twilio.iam.ip.blocked" })
        #expect(await commits.positions == [5, 5, 7])
    }

    @Test("a CloudEvent's dedup key becomes a message id without its line feed")
    func cloudEventMessageID() {
        #expect(NATSConnection.messageID("ce:/2010-04-01/Accounts/AC1\nEVabc") == "ce:/2010-04-01/Accounts/AC1 EVabc")
        #expect(NATSConnection.messageID("AE0123") == "AE0123")
    }

    @Test("a stream that does not exist is reported at start, in one sentence naming it")
    func missingStream() async throws {
        let dir = TestDirectory()
        let server = try NATSServer(directory: dir.path + "/nats")
        try await server.start()
        defer { Task { await server.stop() } }
        let sink = NATSSink(name: "bus", settings: settings(server, stream: "NOPE"), logger: Logger(label: "test"))
        let error = await #expect(throws: NATSError.self) {
            _ = try await sink.recover(position: OutputPosition(), files: [], commit: .discarding)
        }
        #expect(error?.description.contains("Output bus could not look up the JetStream stream NOPE: the stream does not exist") == true, "\(String(describing: error))")
    }

    @Test("with the server gone a batch fails without a commit; after the server is back the same sink reconnects and the batch is stored once")
    func serverRestart() async throws {
        let dir = TestDirectory()
        let server = try NATSServer(directory: dir.path + "/nats")
        try await server.start()
        let admin = try NATSConnection(settings(server).client)
        try admin.createStream("TWILIO", subject: "twilio.>", duplicateWindow: .seconds(120))
        admin.close()
        let commits = Commits()
        let commit = OutputCommitter { await commits.add($0) }
        let sink = NATSSink(name: "bus", settings: settings(server), logger: Logger(label: "test"))
        _ = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        try await sink.write(batch(1...3), now: t0, commit: commit)

        await server.stop(kill: true)
        await #expect(throws: NATSError.self) { try await sink.write(batch(4...6), now: t0, commit: commit) }
        #expect(await commits.positions == [3], "nothing unacknowledged is committed")

        let restarted = try NATSServer(directory: dir.path + "/nats", port: server.port)
        try await restarted.start()
        defer { Task { await restarted.stop() } }
        // The output service retries a failed batch with back-off; so does this loop.
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? await sink.write(batch(4...6), now: t0, commit: commit)) == nil {
            #expect(ContinuousClock.now < deadline, "the sink reconnects within 30 s")
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let check = try NATSConnection(settings(restarted).client)
        #expect(try check.storedMessages(in: "TWILIO").map(\.id) == (1...6).map { "AE\($0)" })
        #expect(await commits.positions.last == 6)
    }
}
