import AsyncHTTPClient
import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import TwilioSimulator

/// `event-streams setup` and `status` through the real binary, against the simulator's Events
/// API, with and without a running sidecar.
@Suite("event-streams setup and status against the simulator's Events API", .serialized)
struct EventStreamsSetupTests {
    static let path = "/webhooks/event-streams"
    static let iamTypes: Set<String> = ["com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked.dryrun"]

    /// A simulator that sends nothing on its own: deliveries only when the test asks.
    func startSimulator(seed: UInt64) async throws -> TwilioSimulator {
        var configuration = SimulatorConfiguration()
        configuration.seed = seed
        configuration.historyDays = 0
        configuration.eventsPerMinute = 0
        configuration.webhookEventsPerMinute = 0
        return try await TwilioSimulator.start(configuration, logger: quietLogger)
    }

    /// A pipeline with only the Event Streams source, its setup keys pointing at the simulator.
    func pipelineYAML(directory: String, simulator: TwilioSimulator, httpPort: Int, operationsPort: Int,
                      publicURL: String, adminToken: String? = "admin-secret") -> String {
        """
        state:
          dir: \(directory)/state
        server:
          listen: 127.0.0.1:\(httpPort)
        operations:
          listen: "127.0.0.1:\(operationsPort)"
        \(adminToken.map { "admin:\n  token: \($0)" } ?? "")
        sources:
          event_streams:
            path: \(Self.path)
            public_url: \(publicURL)
            auth_token: \(simulator.configuration.authToken)
            allowed_delay: 1s
            events_api_url: \(simulator.baseURL)
            username: \(simulator.configuration.accountSid)
            password: \(simulator.configuration.authToken)
        merge:
          max_hold: 30s
        outputs:
          - name: files
            format: ndjson
            transport:
              type: file
              path: \(directory)/out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
              rotate: { max_bytes: 256KiB, max_age: 300ms }
        """
    }

    func write(_ yaml: String, to path: String) throws -> String {
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("from nothing, setup beside a running sidecar leaves an active, validated sink and one subscription; afterwards only the subscribed types arrive in the outputs; setup again changes nothing and says so; status says all is in order, and reports a public_url Twilio does not call")
    func setupWithSidecar() async throws {
        let simulator = try await startSimulator(seed: 19)
        defer { Task { await simulator.stop() } }
        let dir = TestDirectory()
        let httpPort = try SyslogNG.freePort(datagram: false)
        let operationsPort = try SyslogNG.freePort(datagram: false)
        let publicURL = "http://127.0.0.1:\(httpPort)\(Self.path)"
        let config = try write(pipelineYAML(directory: dir.path, simulator: simulator, httpPort: httpPort,
                                            operationsPort: operationsPort, publicURL: publicURL), to: dir.path + "/pipeline.yaml")
        let process = try startForwarder(config: config, log: dir.path + "/forwarder.log")
        defer { if process.isRunning { process.terminate() } }
        try await eventually("the operations listener answers") {
            let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(operationsPort)/healthz"), timeout: .seconds(2))
            return response?.status == .ok
        }

        // A dry run reads and prints the calls, and changes nothing.
        let dry = try await runForwarder(["event-streams", "setup", "--config", config, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("POST \(simulator.baseURL)/v1/Sinks "), "\(dry.stdout)")
        #expect(dry.stdout.contains("/Validate TestId=") && dry.stdout.contains("POST \(simulator.baseURL)/v1/Subscriptions "), "\(dry.stdout)")
        #expect(await simulator.stats().eventsAPIWrites == 0)
        #expect(await simulator.eventStreamsSetup().sinks.isEmpty)

        let first = try await runForwarder(["event-streams", "setup", "--config", config])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("created sink DG"), "\(first.stdout)")
        #expect(first.stdout.contains("admin API"), "the test id came through the sidecar: \(first.stdout)")
        #expect(first.stdout.contains("validated sink"), "\(first.stdout)")
        #expect(first.stdout.contains("created subscription DF"), "\(first.stdout)")

        let setup = await simulator.eventStreamsSetup()
        let sink = try #require(setup.sinks.first)
        #expect(setup.sinks.count == 1 && sink.status == "active" && sink.destination == publicURL)
        let subscription = try #require(setup.subscriptions.first)
        #expect(setup.subscriptions.count == 1 && subscription.sinkSid == sink.sid)
        #expect(Set(subscription.types.keys) == Self.iamTypes && !subscription.receiveEventsFromSubaccounts)

        // Twilio's deliveries from now on: every type is generated, only the subscribed reach the sink.
        await simulator.sendDelivery(events: 60, batched: true)
        await simulator.sendDelivery(events: 20, batched: false)
        await simulator.waitUntilDeliveriesSettled()
        let delivered = await simulator.deliveries()
        let forwarded = delivered.filter { $0.type != "com.twilio.eventstreams.test-event" }
        #expect(!forwarded.isEmpty && forwarded.allSatisfy { $0.acknowledged && Self.iamTypes.contains($0.type) })
        #expect(await simulator.stats().cloudEventsUnsubscribed > 0, "other types were generated and not sent")
        let expected = Set(forwarded.map(\.id))
        try await eventually("the outputs hold exactly the subscribed events") {
            Set(try eventIDs(in: dir.path + "/out")) == expected
        }
        let actions = Set(try ndjsonRecords(in: dir.path + "/out").compactMap { $0["event"]?["action"]?.stringValue })
        #expect(actions.isSubset(of: Self.iamTypes), "\(actions)")
        #expect(try eventIDs(in: dir.path + "/out").count == expected.count, "each once, the test event not among them")

        // Again: nothing to change, no write reaches Twilio.
        let writes = await simulator.stats().eventsAPIWrites
        let second = try await runForwarder(["event-streams", "setup", "--config", config])
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("Nothing to change"), "\(second.stdout)")
        #expect(await simulator.stats().eventsAPIWrites == writes)
        #expect(await simulator.eventStreamsSetup() == setup)

        let status = try await runForwarder(["event-streams", "status", "--config", config])
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("sink \(sink.sid) (webhook, active)"), "\(status.stdout)")
        #expect(status.stdout.contains("public_url matches") && status.stdout.contains("validated:"), "\(status.stdout)")
        #expect(status.stdout.contains("subscription \(subscription.sid)") && status.stdout.contains("com.twilio.iam.ip.blocked.dryrun"))

        // The sidecar's URL as the proxy in front would give it differs from what Twilio calls.
        let proxied = "https://forwarder.example.com\(Self.path)"
        let moved = try write(pipelineYAML(directory: dir.path, simulator: simulator, httpPort: httpPort, operationsPort: operationsPort,
                                           publicURL: proxied), to: dir.path + "/moved.yaml")
        let mismatch = try await runForwarder(["event-streams", "status", "--config", moved])
        #expect(mismatch.status == 1, "\(mismatch.stdout)\(mismatch.stderr)")
        #expect(mismatch.stdout.contains("MISMATCH: public_url is \(proxied) but Twilio calls \(publicURL)"), "\(mismatch.stdout)")
    }

    @Test("with no forwarder running, setup listens on server.listen itself for the test event, then hands the port back; status reads the test from the journal")
    func setupWithoutSidecar() async throws {
        let simulator = try await startSimulator(seed: 20)
        defer { Task { await simulator.stop() } }
        let dir = TestDirectory()
        let httpPort = try SyslogNG.freePort(datagram: false)
        let publicURL = "http://127.0.0.1:\(httpPort)\(Self.path)"
        let config = try write(pipelineYAML(directory: dir.path, simulator: simulator, httpPort: httpPort,
                                            operationsPort: try SyslogNG.freePort(datagram: false), publicURL: publicURL,
                                            adminToken: nil), to: dir.path + "/pipeline.yaml")

        let setup = try await runForwarder(["event-streams", "setup", "--config", config])
        #expect(setup.status == 0, "\(setup.stdout)\(setup.stderr)")
        #expect(setup.stdout.contains("a listener of its own"), "\(setup.stdout)")
        #expect(setup.stdout.contains("validated sink"), "\(setup.stdout)")
        let state = await simulator.eventStreamsSetup()
        #expect(state.sinks.map(\.status) == ["active"] && state.subscriptions.count == 1)

        let status = try await runForwarder(["event-streams", "status", "--config", config])
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("read from the journal"), "\(status.stdout)")
        let again = try await runForwarder(["event-streams", "setup", "--config", config])
        #expect(again.status == 0 && again.stdout.contains("Nothing to change"), "\(again.stdout)\(again.stderr)")
    }

    @Test("Twilio's refusals are one sentence saying what to do: wrong credentials, an unknown type")
    func refusals() async throws {
        let simulator = try await startSimulator(seed: 21)
        defer { Task { await simulator.stop() } }
        let dir = TestDirectory()
        let httpPort = try SyslogNG.freePort(datagram: false)
        let yaml = pipelineYAML(directory: dir.path, simulator: simulator, httpPort: httpPort,
                                operationsPort: try SyslogNG.freePort(datagram: false),
                                publicURL: "http://127.0.0.1:\(httpPort)\(Self.path)", adminToken: nil)
        let wrong = try write(yaml.replacingOccurrences(of: "password: \(simulator.configuration.authToken)", with: "password: not-the-token"),
                              to: dir.path + "/wrong.yaml")
        let denied = try await runForwarder(["event-streams", "setup", "--config", wrong])
        #expect(denied.status == 2)
        #expect(denied.stderr.contains("Twilio refused to list the sinks (HTTP 401, Twilio 20003"), "\(denied.stderr)")
        #expect(denied.stderr.contains("check sources.event_streams.username and password"), "\(denied.stderr)")

        let unknown = try write(yaml.replacingOccurrences(of: "    allowed_delay: 1s\n",
                                                          with: "    allowed_delay: 1s\n    subscribe: [com.twilio.iam.ip.unblocked]\n"),
                                to: dir.path + "/unknown.yaml")
        let refused = try await runForwarder(["event-streams", "setup", "--config", unknown])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("Twilio refused to create the subscription (HTTP 400"), "\(refused.stderr)")
        #expect(refused.stderr.contains("every type must be one Twilio lists"), "\(refused.stderr)")
        let sentences = refused.stderr.split(separator: "\n").filter { $0.contains("Twilio refused") }
        #expect(sentences.count == 1 && sentences.first?.hasSuffix(".") == true, "one sentence: \(refused.stderr)")
    }
}
