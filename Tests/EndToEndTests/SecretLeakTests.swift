import AsyncHTTPClient
import TestSupport
import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TwilioSimulator

/// Known secret values — the Monitor password, the Event Streams auth token, the Basic password
/// in `public_url` — must appear nowhere a secret could leak: logs at debug level, `/metrics`,
/// `/readyz`, `/status`, the webhook's error bodies, `checkpoint show`, `validate`, and the error of a run
/// that fails on them.
@Suite("Secrets never leak, through the binary", .serialized)
struct SecretLeakTests {
    static let monitorSecret = "S3cr3t-monitor-4f9a2c81"
    static let streamsToken = "S3cr3t-streams-77b1e0d4"
    static let basicPassword = "S3cr3t-basic-0c3d9e12"

    /// Every form in which one of the secrets could show up.
    static var forms: [String] {
        [monitorSecret, streamsToken, basicPassword]
            + [monitorSecret, streamsToken, basicPassword].map { Data($0.utf8).base64EncodedString() }
            + [Data("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:\(monitorSecret)".utf8).base64EncodedString(),
               Data("fwd:\(basicPassword)".utf8).base64EncodedString()]
    }

    static func leaks(in text: String) -> [String] {
        forms.filter { text.contains($0) }
    }

    static func request(_ url: String, method: HTTPMethod = .GET, body: [UInt8] = [], headers: [(String, String)] = []) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    @Test("known secrets appear in no log line, metric, readiness detail, error body, checkpoint show or validate output")
    func secretsStayInside() async throws {
        var simulatorConfig = simulatorConfiguration(seed: 41, days: 1, perDay: 200, perMinute: 0)
        simulatorConfig.authToken = Self.monitorSecret
        let simulator = try await TwilioSimulator.start(simulatorConfig, logger: quietLogger)
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let operationsPort = try SyslogNG.freePort(datagram: false)
        let deadPort = try SyslogNG.freePort(datagram: false)
        let path = "/webhooks/event-streams"
        let publicURL = "http://fwd:\(Self.basicPassword)@127.0.0.1:\(port)\(path)"
        func pipeline(password: String) -> String {
            monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "2d", operationsPort: operationsPort)
                .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:\(port)")
                .replacingOccurrences(of: "password: simulator-auth-token", with: "password: \(password)")
                .replacingOccurrences(of: "merge:\n", with: """
                      event_streams:
                        path: \(path)
                        public_url: \(publicURL)
                        auth_token: \(Self.streamsToken)
                    merge:

                    """)
                .replacingOccurrences(of: "state:\n", with: "log:\n  level: debug\nstate:\n")
                + """

                  - name: dead-collector
                    format: cef
                    transport: { type: tcp, host: 127.0.0.1, port: \(deadPort), connect_timeout: 200ms, reconnect: { initial: 50ms, max: 200ms } }
                """
        }
        let config = dir.path + "/pipeline.yaml"
        try pipeline(password: Self.monitorSecret).write(toFile: config, atomically: true, encoding: .utf8)
        var seen: [(String, String)] = []

        let validate = try await runForwarder(["validate", "--config", config])
        seen.append(("validate", validate.stdout + validate.stderr))

        let log = dir.path + "/forwarder.log"
        let process = try startForwarder(config: config, log: log)
        defer { if process.isRunning { process.terminate() } }
        try await eventually(timeout: .seconds(30), "events reach the files") { (try? eventIDs(in: dir.path + "/out").isEmpty) == false }
        let webhook = "http://127.0.0.1:\(port)\(path)"
        let body = Array(#"{"id":"leak-1","type":"com.twilio.iam.ip.blocked","source":"/x"}"#.utf8)
        let signedURL = TwilioSignature.urlWithBodyHash("http://127.0.0.1:\(port)\(path)", body: body)
        let basic = ("Authorization", "Basic " + Data("fwd:\(Self.basicPassword)".utf8).base64EncodedString())
        let wrongBasic = ("Authorization", "Basic " + Data("fwd:not-it".utf8).base64EncodedString())
        let json = ("Content-Type", "application/json")
        let signature = ("X-Twilio-Signature", TwilioSignature.sign(url: signedURL, authToken: Self.streamsToken))
        let answers: [(String, (Int, String))] = [
            ("no credentials", try await Self.request(webhook, method: .POST, body: body, headers: [json])),
            ("wrong Basic password", try await Self.request(webhook, method: .POST, body: body, headers: [json, wrongBasic])),
            ("bad signature", try await Self.request(signedURL, method: .POST, body: body,
                                                     headers: [json, basic, ("X-Twilio-Signature", "AAAA")])),
            ("malformed body", try await Self.request(TwilioSignature.urlWithBodyHash(webhook, body: Array("[".utf8)), method: .POST, body: Array("[".utf8),
                                                      headers: [json, basic, ("X-Twilio-Signature", TwilioSignature.sign(
                                                          url: TwilioSignature.urlWithBodyHash(webhook, body: Array("[".utf8)), authToken: Self.streamsToken))])),
            ("accepted", try await Self.request(signedURL, method: .POST, body: body, headers: [json, basic, signature])),
        ]
        #expect(answers.map(\.1.0) == [401, 401, 403, 400, 200], "\(answers.map { "\($0.0): \($0.1.0) \($0.1.1)" })")
        for (name, answer) in answers { seen.append(("webhook answer to \(name)", answer.1)) }
        try await eventually(timeout: .seconds(30), "/status reports the dead collector") {
            let (status, text) = try await Self.request("http://127.0.0.1:\(operationsPort)/status")
            if status == 503 { seen.append(("/status", text)) }
            return status == 503
        }
        seen.append(("/readyz", try await Self.request("http://127.0.0.1:\(operationsPort)/readyz").1))
        seen.append(("/metrics", try await Self.request("http://127.0.0.1:\(operationsPort)/metrics").1))
        seen.append(("/healthz", try await Self.request("http://127.0.0.1:\(operationsPort)/healthz").1))
        let show = try await runForwarder(["checkpoint", "show", "--config", config])
        seen.append(("checkpoint show", show.stdout + show.stderr))
        process.terminate()
        try await waitForExit(process)
        seen.append(("the log at debug level", (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))

        // Credentials the API refuses: the run fails and says so, without repeating them.
        let wrong = dir.path + "/wrong.yaml"
        let refusedPassword = "Expired-password-5e6f7a8b"
        try pipeline(password: refusedPassword).write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = try await runForwarder(["run", "--once", "--config", wrong, "--log-format", "text"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("401") || refused.stderr.contains("credentials"), "\(refused.stderr.suffix(1000))")
        seen.append(("a run refused by the API", refused.stdout + refused.stderr))
        #expect(!refused.stderr.contains(refusedPassword), "the refused password is not printed")
        await simulator.stop()

        for (place, text) in seen {
            #expect(Self.leaks(in: text).isEmpty, "a secret in \(place)")
        }
        #expect(seen.allSatisfy { !$0.1.isEmpty || $0.0 == "/healthz" }, "every place was read")
    }

    @Test("turning TLS hostname verification off is loud: the forwarder warns at start that anyone with a certificate from the CA can pose as the collector")
    func hostnameVerificationOffIsLoud() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 42, days: 1, perDay: 10, perMinute: 0), logger: quietLogger)
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let deadPort = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        try (monitorPipelineYAML(simulatorURL: simulator.baseURL, directory: dir.path, lookback: "1s", backfill: "2d") + """

              - name: qradar
                format: cef
                transport: { type: tls, host: 127.0.0.1, port: \(deadPort), ca_file: \(ca.caFile), verify_hostname: false, connect_timeout: 200ms }
            """).write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await runForwarder(["run", "--once", "--config", config, "--log-format", "text"], timeout: .seconds(60))
        #expect(run.stderr.contains("Output qradar does NOT check that the collector's certificate names 127.0.0.1 (verify_hostname: false)"),
                "\(run.stderr.prefix(3000))")
        await simulator.stop()
    }
}
