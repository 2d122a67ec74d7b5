import ForwarderCore
import Foundation
import NATSClient
import TestSupport
import Testing
import TwilioSimulator

/// Two forwarders publishing into one R3 JetStream stream on a real 3-node nats-server cluster:
/// Monitor from two simulated accounts (one forwarder each), Event Streams deliveries spread over
/// both and retried onto the other; one NATS node and one forwarder are killed mid-run. The stream
/// ends with every ground-truth id once.
@Suite("NATS JetStream: replicas into a 3-node cluster, through the binary", .serialized, .enabled(if: NATSServer.testsRun))
struct NATSClusterTests {
    static let token = "nats-cluster-token"

    static func pipeline(simulatorURL: String, directory: String, port: Int, servers: [String]) -> String {
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
            transport:
              type: nats
              servers: [\(servers.joined(separator: ", "))]
              stream: TWILIO
              subject: "twilio.{dataset}.{type}"
              ack_wait: 2s
        """
    }

    /// One signed delivery of `ids` (IAM `ip.blocked` CloudEvents) to the forwarder on `port`,
    /// signed with `token`; true on 200.
    static func deliver(_ ids: [String], port: Int, token: String = token) async -> Bool {
        let time = Timestamp(epochMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)).rfc3339
        let events = ids.map { id in
            #"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","id":"\#(id)","time":"\#(time)","datacontenttype":"application/json","data":{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","address":"203.0.113.9","action":"POST"}}"#
        }
        let url = "http://127.0.0.1:\(port)/webhooks/event-streams"
        return (try? await postSignedDelivery("[" + events.joined(separator: ",") + "]", to: url, authToken: token).status) == 200
    }

    /// The event id a stored message stands for: the Monitor `sid`, or the CloudEvent `id` of a
    /// `ce:<source> <id>` message id.
    static func eventID(_ messageID: String) -> String {
        messageID.hasPrefix("ce:") ? String(messageID.split(separator: " ").last ?? "") : messageID
    }

    @Test("every Monitor event of both accounts and every acknowledged delivery is in the stream exactly once, across a killed NATS node and a kill -9 of a forwarder")
    func replicasIntoCluster() async throws {
        let dir = TestDirectory()
        let keep = dir.path + "-kept"
        let clusterPorts = try (0..<3).map { _ in try SyslogNG.freePort(datagram: false) }
        let nodes = try (0..<3).map { i in
            try NATSServer(name: "n\(i + 1)", directory: dir.path + "/nats\(i + 1)", clusterPort: clusterPorts[i], routes: clusterPorts)
        }
        for node in nodes { try await node.start() }
        defer { Task { for node in nodes { await node.stop() } } }
        let servers = nodes.map(\.url)
        let settings = NATSClientConfig(servers: servers)
        // The cluster elects its JetStream leader first; creating the R3 stream waits for it.
        let admin = try await eventuallyValue("the cluster accepts an R3 stream") { () -> NATSConnection? in
            guard let connection = try? NATSConnection(settings) else { return nil }
            return (try? connection.createStream("TWILIO", subject: "twilio.>", duplicateWindow: .seconds(300), replicas: 3)) != nil ? connection : nil
        }

        let accounts = try await [
            TwilioSimulator.start(simulatorConfiguration(seed: 71, days: 1, perDay: 1500, perMinute: 600), logger: quietLogger),
            TwilioSimulator.start(simulatorConfiguration(seed: 72, days: 1, perDay: 1500, perMinute: 600), logger: quietLogger),
        ]
        let ports = try (0..<2).map { _ in try SyslogNG.freePort(datagram: false) }
        var configs: [String] = []
        var forwarders: [Process] = []
        for i in 0..<2 {
            let path = dir.path + "/forwarder\(i)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let config = path + "/pipeline.yaml"
            try Self.pipeline(simulatorURL: accounts[i].baseURL, directory: path, port: ports[i], servers: servers)
                .write(toFile: config, atomically: true, encoding: .utf8)
            configs.append(config)
            forwarders.append(try startForwarder(config: config, log: path + "/forwarder.log"))
        }
        defer { for process in forwarders where process.isRunning { process.terminate() } }
        for port in ports {
            try await eventually("replica \(port) answers") { await Self.deliver(["warm-up-\(port)"], port: port) }
        }

        // Twilio's side: batches alternate between the replicas; a failed batch is retried on the
        // other one, and every tenth batch is delivered to both (a redelivery landing elsewhere).
        let sender = Task {
            var acknowledged = Set(ports.map { "warm-up-\($0)" })
            for batch in 0..<120 {
                let ids = (0..<10).map { "es-\(batch)-\($0)" }
                var target = batch % 2
                while !(await Self.deliver(ids, port: ports[target])) {
                    target = 1 - target
                    try await Task.sleep(for: .milliseconds(50))
                }
                if batch % 10 == 0 { _ = await Self.deliver(ids, port: ports[1 - target]) }
                acknowledged.formUnion(ids)
                try await Task.sleep(for: .milliseconds(20))
            }
            return acknowledged
        }
        try await eventually("the stream is filling") { ((try? admin.storedMessages(in: "TWILIO").count) ?? 0) > 1000 }
        await nodes[0].stop(kill: true)
        kill(forwarders[0].processIdentifier, SIGKILL)
        try await waitForExit(forwarders[0])
        forwarders[0] = try startForwarder(config: configs[0], log: dir.path + "/forwarder0/forwarder-2.log")
        let delivered = try await sender.value

        var truth = delivered
        for account in accounts { truth.formUnion(await account.groundTruthIDs()) }
        let expected = truth
        // On a time-out the expectations below say what is missing.
        try? await eventually(timeout: .seconds(90), "the stream holds every ground-truth id") {
            // While the client moves off the killed node a read can fail; the next one retries.
            guard let ids = try? admin.storedMessages(in: "TWILIO").map({ Self.eventID($0.id) }) else { return false }
            return Set(ids).isSuperset(of: expected)
        }
        for process in forwarders {
            process.terminate()
            try await waitForExit(process)
        }
        // Events the simulators made after the snapshot above may be in the stream too.
        var everything = delivered
        for account in accounts { everything.formUnion(await account.groundTruthIDs()) }
        let stored = try admin.storedMessages(in: "TWILIO").map { Self.eventID($0.id) }
        let counts = Dictionary(stored.map { ($0, 1) }, uniquingKeysWith: +)
        let duplicates = counts.filter { $0.value > 1 }
        print("NATS cluster: \(stored.count) messages in the stream, \(Set(stored).count) unique, \(expected.count) in the ground truth, \(duplicates.count) duplicated")
        #expect(duplicates.isEmpty, "duplicates: \(duplicates.prefix(5))")
        let missing = expected.subtracting(stored)
        if !missing.isEmpty { try? FileManager.default.copyItem(atPath: dir.path, toPath: keep) }
        #expect(missing.isEmpty, "missing \(missing.count) of \(expected.count): \(missing.sorted().prefix(5)); logs kept in \(keep)")
        let unexpected = Set(stored).subtracting(everything)
        #expect(unexpected.isEmpty, "unexpected: \(unexpected.sorted().prefix(5))")
    }
    @Test("validate --connect reaches the stream and warns when its duplicate window is shorter than Twilio's retry horizon; a missing stream fails the check")
    func validateConnect() async throws {
        let dir = TestDirectory()
        let node = try NATSServer(directory: dir.path + "/nats")
        try await node.start()
        defer { Task { await node.stop() } }
        let admin = try NATSConnection(NATSClientConfig(servers: [node.url]))
        try admin.createStream("TWILIO", subject: "twilio.>", duplicateWindow: .seconds(120))
        let config = dir.path + "/pipeline.yaml"
        try """
            state:
              dir: \(dir.path)/state
            sources:
              event_streams:
                insecure_skip_signature: true
            outputs:
              - name: bus
                format: ndjson
                transport: { type: nats, servers: [\(node.url)], stream: TWILIO }
              - name: nowhere
                format: ndjson
                transport: { type: nats, servers: [\(node.url)], stream: MISSING }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["validate", "--config", config, "--connect"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Output bus reached JetStream stream TWILIO at \(node.url); its duplicate window is 2m. Warning: Twilio retries"), "\(result.stdout)")
        #expect(result.stderr.contains("Output nowhere could not look up the JetStream stream MISSING: the stream does not exist"), "\(result.stderr)")
    }
}
