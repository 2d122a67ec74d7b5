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
        #expect(config.transport == .nats(NATSTransportConfig(servers: ["nats://127.0.0.1:4222"], stream: "TWILIO")))
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
            servers: ["nats://a:4222", "tls://b:4222"], stream: "S", subject: "x.{account}.{type}", user: "u", password: "p", token: "t",
            maxPending: 10, ackWait: .seconds(3))))
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
