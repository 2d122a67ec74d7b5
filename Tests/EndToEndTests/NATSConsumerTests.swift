import ForwarderCore
import Foundation
import NATSClient
import NIOCore
import TestSupport
import Testing
import TwilioSimulator

/// The SIEM side of the bus: one forwarder publishes Monitor events and Event Streams deliveries
/// into a JetStream stream on a real nats-server, a second reads the stream as a durable consumer
/// (`sources.nats`) into gzip NDJSON files and is killed with SIGKILL mid-run. The files end with
/// every event of the stream once; a message that is no record is left in the stream and logged.
/// `run --once` with a new consumer then reads the whole stream and exits.
@Suite("NATS source: a durable consumer writing files, through the binary", .serialized, .enabled(if: NATSServer.testsRun))
struct NATSConsumerTests {
    static let token = "nats-consumer-token"

    static func publisher(simulatorURL: String, directory: String, port: Int, server: String) -> String {
        """
        state:
          dir: \(directory)/state
        server:
          listen: 127.0.0.1:\(port)
        operations:
          listen: "127.0.0.1:0"
        sources:
          monitor:
            base_url: \(simulatorURL)
            account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            password: simulator-auth-token
            poll_interval: 200ms
            lookback: 2s
            backfill: 2d
            retry: { initial: 20ms, max: 500ms }
          event_streams:
            path: /webhooks/event-streams
            public_url: http://127.0.0.1:\(port)/webhooks/event-streams
            auth_token: \(token)
        merge:
          max_delay: 200ms
        outputs:
          - name: bus
            format: ndjson
            transport: { type: nats, servers: [\(server)], stream: TWILIO, ack_wait: 2s }
        """
    }

    static func consumer(directory: String, server: String, durable: String = "files") -> String {
        """
        state:
          dir: \(directory)/state
        operations:
          listen: "127.0.0.1:0"
        sources:
          nats: { servers: [\(server)], stream: TWILIO, durable: \(durable), batch: 200, ack_wait: 3s }
        merge:
          max_delay: 200ms
        outputs:
          - name: files
            format: ndjson
            transport:
              type: file
              path: \(directory)/out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
              rotate: { max_age: 1s }
        """
    }

    /// One signed delivery of `ids` to the publisher on `port`; true on 200.
    static func deliver(_ ids: [String], port: Int) async -> Bool {
        await NATSClusterTests.deliver(ids, port: port, token: token)
    }

    @Test("every event in the stream reaches the consumer's files exactly once across a kill -9 of the consumer; a foreign message is rejected and logged")
    func consumerWritesFilesExactlyOnce() async throws {
        let dir = TestDirectory()
        let node = try NATSServer(directory: dir.path + "/nats")
        try await node.start()
        defer { Task { await node.stop() } }
        let admin = try NATSConnection(NATSClientConfig(servers: [node.url]))
        try admin.createStream("TWILIO", subject: "twilio.>", duplicateWindow: .seconds(300))
        // Not a record of the forwarder's: the consumer must leave it, and take everything else.
        var foreign = ByteBuffer(string: "<14>1 2026-12-01T00:00:00Z host app - - - not ndjson")
        try admin.publish(foreign, lengths: [foreign.readableBytes], subjects: ["twilio.other.syslog"], ids: ["foreign-1"],
                          stream: "TWILIO", ackWait: .seconds(5))
        foreign.clear()

        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 81, days: 1, perDay: 1500, perMinute: 600), logger: quietLogger)
        let port = try SyslogNG.freePort(datagram: false)
        let publisherDir = dir.path + "/publisher"
        let consumerDir = dir.path + "/consumer"
        for path in [publisherDir, consumerDir] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try Self.publisher(simulatorURL: simulator.baseURL, directory: publisherDir, port: port, server: node.url)
            .write(toFile: publisherDir + "/pipeline.yaml", atomically: true, encoding: .utf8)
        try Self.consumer(directory: consumerDir, server: node.url).write(toFile: consumerDir + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let publisher = try startForwarder(config: publisherDir + "/pipeline.yaml", log: publisherDir + "/forwarder.log")
        defer { if publisher.isRunning { publisher.terminate() } }
        var consumer = try startForwarder(config: consumerDir + "/pipeline.yaml", log: consumerDir + "/forwarder.log")
        try await eventually("the publisher answers") { await Self.deliver(["warm-up"], port: port) }

        let sender = Task {
            var acknowledged: Set<String> = ["warm-up"]
            for batch in 0..<60 {
                let ids = (0..<10).map { "es-\(batch)-\($0)" }
                while !(await Self.deliver(ids, port: port)) { try await Task.sleep(for: .milliseconds(50)) }
                acknowledged.formUnion(ids)
                try await Task.sleep(for: .milliseconds(20))
            }
            return acknowledged
        }
        try await eventually("the consumer is writing files") { ((try? eventIDs(in: consumerDir + "/out").count) ?? 0) > 500 }
        kill(consumer.processIdentifier, SIGKILL)
        try await waitForExit(consumer)
        consumer = try startForwarder(config: consumerDir + "/pipeline.yaml", log: consumerDir + "/forwarder-2.log")
        defer { if consumer.isRunning { consumer.terminate() } }
        let delivered = try await sender.value
        var truth = delivered
        truth.formUnion(await simulator.groundTruthIDs())
        let expected = truth
        try await eventually(timeout: .seconds(60), "the stream holds the ground truth") {
            let ids = ((try? admin.storedMessages(in: "TWILIO")) ?? []).map { NATSClusterTests.eventID($0.id) }
            return Set(ids).isSuperset(of: expected)
        }
        publisher.terminate()
        try await waitForExit(publisher)
        let stream = try admin.storedMessages(in: "TWILIO").map { NATSClusterTests.eventID($0.id) }.filter { $0 != "foreign-1" }
        try? await eventually(timeout: .seconds(60), "the consumer's files hold the stream") {
            Set((try? eventIDs(in: consumerDir + "/out")) ?? []).isSuperset(of: stream)
        }
        consumer.terminate()
        try await waitForExit(consumer)

        let written = try eventIDs(in: consumerDir + "/out")
        print("NATS consumer: \(stream.count) records in the stream, \(written.count) written, \(Set(written).count) unique, \(expected.count) in the ground truth")
        #expect(exactlyOnceProblem(written, expected: stream, ordered: false) == nil, "\(exactlyOnceProblem(written, expected: stream, ordered: false) ?? "")")
        #expect(expected.isSubset(of: Set(written)))
        let records = try ndjsonRecords(in: consumerDir + "/out")
        let datasets = Set(records.compactMap { $0["event"]?["dataset"]?.stringValue })
        #expect(datasets == ["twilio.monitor", "twilio.event_streams"])
        let logs = (try? String(contentsOfFile: consumerDir + "/forwarder.log", encoding: .utf8)) ?? ""
        #expect(logs.contains("NATS source rejected a message"), "the first consumer run logs the foreign message")

        // `run --once` with a new durable consumer reads the whole stream, delivers it, and exits.
        let onceDir = dir.path + "/once"
        try FileManager.default.createDirectory(atPath: onceDir, withIntermediateDirectories: true)
        try Self.consumer(directory: onceDir, server: node.url, durable: "once").write(toFile: onceDir + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let once = try await runForwarder(["run", "--once", "--config", onceDir + "/pipeline.yaml"], timeout: .seconds(60))
        #expect(once.status == 0, "\(once.stderr.suffix(2000))")
        let onceWritten = try eventIDs(in: onceDir + "/out")
        #expect(exactlyOnceProblem(onceWritten, expected: stream, ordered: false) == nil, "\(exactlyOnceProblem(onceWritten, expected: stream, ordered: false) ?? "")")
    }

    @Test("validate --connect reaches the source's stream and says the durable consumer will be created; a missing stream fails the check")
    func validateConnect() async throws {
        let dir = TestDirectory()
        let node = try NATSServer(directory: dir.path + "/nats")
        try await node.start()
        defer { Task { await node.stop() } }
        let admin = try NATSConnection(NATSClientConfig(servers: [node.url]))
        try admin.createStream("TWILIO", subject: "twilio.>", duplicateWindow: .seconds(120))
        for (stream, status) in [("TWILIO", Int32(0)), ("MISSING", 1)] {
            let config = dir.path + "/\(stream).yaml"
            try Self.consumer(directory: dir.path + "/\(stream)", server: node.url).replacingOccurrences(of: "stream: TWILIO", with: "stream: \(stream)")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let result = try await runForwarder(["validate", "--config", config, "--connect"])
            #expect(result.status == status, "\(result.stdout)\(result.stderr)")
            if status == 0 {
                #expect(result.stdout.contains("NATS source reached JetStream stream TWILIO at \(node.url) (duplicate window 2m); the durable consumer files does not exist yet and is created on start (deliver: all)."), "\(result.stdout)")
            } else {
                #expect(result.stderr.contains("The NATS source could not look up the JetStream stream MISSING: the stream does not exist"), "\(result.stderr)")
            }
        }
    }
}
