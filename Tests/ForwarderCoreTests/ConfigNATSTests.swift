import ForwarderCore
import Testing

/// `type: nats` transports: defaults, every key, and each bad value reported at its key.
@Suite("Pipeline file: the nats transport")
struct ConfigNATSTests {
    static func problems(_ body: String) -> [ConfigProblem] {
        ConfigFixture.outputProblems("format: ndjson\ntransport: \(body)")
    }

    @Test("only servers and stream are needed; the defaults are the model's")
    func defaults() throws {
        let config = try ConfigFixture.output("format: ndjson\ntransport: { type: nats, servers: [nats://127.0.0.1:4222], stream: TWILIO }")
        #expect(config.transport == .nats(NATSTransportConfig(client: NATSClientConfig(servers: ["nats://127.0.0.1:4222"]), stream: "TWILIO")))
        guard case .nats(let nats) = config.transport else { return }
        #expect(nats.subject == "twilio.{dataset}.{type}" && nats.maxPending == 4096 && nats.ackWait == .seconds(10))
    }

    @Test("every key is read")
    func everyKey() throws {
        let config = try ConfigFixture.output("""
            format: ndjson
            transport: { type: nats, servers: [nats://a:4222, tls://b:4222], stream: S, subject: "x.{account}.{type}", user: u, password: p, token: t, max_pending: 10, ack_wait: 3s }
            """)
        #expect(config.transport == .nats(NATSTransportConfig(
            client: NATSClientConfig(servers: ["nats://a:4222", "tls://b:4222"], user: "u", password: "p", token: "t"),
            stream: "S", subject: "x.{account}.{type}", maxPending: 10, ackWait: .seconds(3))))
    }

    @Test("bad values are reported at their key", arguments: [
        ("{ type: nats, stream: S }", "outputs[0].transport", "missing required key \"servers\""),
        ("{ type: nats, servers: [], stream: S }", "outputs[0].transport.servers", "give at least one server, like [nats://127.0.0.1:4222]"),
        ("{ type: nats, servers: [http://a:1], stream: S }", "outputs[0].transport.servers[0]",
         "expected a server URL like nats://127.0.0.1:4222 or tls://nats.example.com:4222, got \"http://a:1\""),
        ("{ type: nats, servers: [nats://a:1], stream: a.b }", "outputs[0].transport.stream",
         "expected a JetStream stream name (no spaces, dots, *, >, / or \\), got \"a.b\""),
        ("{ type: nats, servers: [nats://a:1], stream: S, subject: \"twilio.>\" }", "outputs[0].transport.subject",
         "expected a subject like twilio.{dataset}.{type} (dot-separated tokens, no spaces or wildcards), got \"twilio.>\""),
        ("{ type: nats, servers: [nats://a:1], stream: S, subject: \"twilio.{host}\" }", "outputs[0].transport.subject",
         "unknown placeholder in \"twilio.{host}\"; the subject may hold {dataset}, {type} and {account}"),
        ("{ type: nats, servers: [nats://a:1], stream: S, password: p }", "outputs[0].transport.password",
         "a password needs its user: give user too"),
        ("{ type: nats, servers: [nats://a:1], stream: S, ack_wait: 1ms }", "outputs[0].transport.ack_wait",
         "must be at least 100ms, got 1ms"),
    ])
    func badValues(body: String, key: String, message: String) {
        let problems = Self.problems(body)
        #expect(problems.map(\.key) == [key])
        #expect(problems.map(\.message) == [message])
    }
}

/// `sources.nats`: defaults, every key, and each bad value reported at its key.
@Suite("Pipeline file: the nats source")
struct ConfigNATSSourceTests {
    static func yaml(_ body: String) -> String {
        "sources:\n  nats: \(body)\n" + ConfigFixture.outputs
    }

    @Test("servers, stream and durable are needed; the defaults are the model's; nats may be the only source")
    func defaults() throws {
        let config = try ConfigFixture.parse(Self.yaml("{ servers: [nats://127.0.0.1:4222], stream: TWILIO, durable: files }"))
        #expect(config.sources.nats == NATSSourceConfig(client: NATSClientConfig(servers: ["nats://127.0.0.1:4222"]), stream: "TWILIO", durable: "files"))
        #expect(config.sources.monitor == nil && config.sources.eventStreams == nil)
        let nats = try #require(config.sources.nats)
        #expect(nats.deliver == .all && nats.batch == 500 && nats.ackWait == .seconds(30) && nats.allowedDelay == .seconds(5) && nats.filterSubject == nil)
    }

    @Test("every key is read")
    func everyKey() throws {
        let config = try ConfigFixture.parse(Self.yaml("""
            { servers: [tls://a:4222], stream: S, durable: d, filter_subject: "twilio.monitor.>", deliver: new, batch: 50, ack_wait: 5s, allowed_delay: 2s, user: u, password: p }
            """))
        #expect(config.sources.nats == NATSSourceConfig(
            client: NATSClientConfig(servers: ["tls://a:4222"], user: "u", password: "p"), stream: "S", durable: "d",
            filterSubject: "twilio.monitor.>", deliver: .new, batch: 50, ackWait: .seconds(5), allowedDelay: .seconds(2)))
    }

    @Test("bad values are reported at their key", arguments: [
        ("{ servers: [nats://a:1], stream: S }", "sources.nats", "missing required key \"durable\""),
        ("{ servers: [nats://a:1], stream: S, durable: a.b }", "sources.nats.durable",
         "expected a consumer name (no spaces, dots, *, >, / or \\), got \"a.b\""),
        ("{ servers: [nats://a:1], stream: S, durable: d, deliver: last }", "sources.nats.deliver", "expected all or new, got \"last\""),
        ("{ servers: [nats://a:1], stream: S, durable: d, batch: 0 }", "sources.nats.batch", "must be between 1 and 10000, got 0"),
        ("{ servers: [nats://a:1], stream: S, durable: d, filter_subject: \"a..b\" }", "sources.nats.filter_subject",
         "expected a subject like twilio.monitor.> (dot-separated tokens, * and > allowed), got \"a..b\""),
        ("{ servers: [nats://a:1], stream: S, durable: d, ack_wait: 10ms }", "sources.nats.ack_wait", "must be at least 1s, got 10ms"),
        ("{ servers: [http://a:1], stream: S, durable: d }", "sources.nats.servers[0]",
         "expected a server URL like nats://127.0.0.1:4222 or tls://nats.example.com:4222, got \"http://a:1\""),
        ("{ servers: [nats://a:1], stream: S, durable: d, max_pending: 3 }", "sources.nats.max_pending",
         "unknown key \"max_pending\"; expected one of: servers, user, password, password_file, token, token_file, credentials_file, ca_file, stream, durable, filter_subject, deliver, batch, ack_wait, allowed_delay"),
    ])
    func badValues(body: String, key: String, message: String) {
        let problems = ConfigFixture.problems(Self.yaml(body))
        #expect(problems.map(\.key) == [key])
        #expect(problems.map(\.message) == [message])
    }
}
