import Foundation
import Logging
import Testing
@testable import ForwarderCore

@Suite("Sources, server, admin and log sections")
struct ConfigSourceTests {
    static let sid = ConfigFixture.accountSid

    static func monitor(_ body: String) -> String {
        "sources:\n  monitor:\n" + ConfigFixture.indent(body, by: 4) + "\n" + ConfigFixture.outputs
    }

    static func streams(_ body: String) -> String {
        "sources:\n  event_streams:\n" + ConfigFixture.indent(body, by: 4) + "\n" + ConfigFixture.outputs
    }

    // MARK: Monitor

    @Test("a minimal monitor source gets every default")
    func monitorDefaults() throws {
        let config = try ConfigFixture.parse(Self.monitor("account_sid: \(Self.sid)\npassword: token"))
        #expect(config.sources.monitor == MonitorSourceConfig(
            baseURL: "https://monitor.twilio.com", accountSid: Self.sid, username: Self.sid, password: "token",
            pollInterval: .seconds(60), lookback: .seconds(600), pageSize: 1000, start: .backfill(.seconds(86_400)),
            requestTimeout: .seconds(30), retry: RetryConfig(initial: .seconds(1), max: .seconds(60))))
        #expect(config.sources.eventStreams == nil)
        #expect(config.state == StateConfig())
        #expect(config.server == ServerConfig(host: "127.0.0.1", port: 8080))
        #expect(config.admin.token == nil)
        #expect(config.log == LogConfig())
        #expect(config.merge == MergeConfig(maxHold: .seconds(120)))
    }

    @Test("every monitor key is read")
    func monitorAllKeys() throws {
        let config = try ConfigFixture.parse(Self.monitor("""
            base_url: http://127.0.0.1:4010/
            account_sid: \(Self.sid)
            username: \(ConfigFixture.apiKeySid)
            password: secret
            poll_interval: 500ms
            lookback: 0
            page_size: 50
            backfill: 30d
            request_timeout: 5s
            retry: { initial: 200ms, max: 10s }
            """))
        let monitor = try #require(config.sources.monitor)
        #expect(monitor.baseURL == "http://127.0.0.1:4010")
        #expect(monitor.username == ConfigFixture.apiKeySid)
        #expect(monitor.pollInterval == .milliseconds(500))
        #expect(monitor.lookback == .zero)
        #expect(monitor.pageSize == 50)
        #expect(monitor.start == .backfill(.seconds(30 * 86_400)))
        #expect(monitor.requestTimeout == .seconds(5))
        #expect(monitor.retry == RetryConfig(initial: .milliseconds(200), max: .seconds(10)))
    }

    @Test("start_from takes a date or an RFC 3339 timestamp", arguments: [
        ("2026-11-01", Int64(1_793_491_200_000)),
        ("2026-11-20T08:15:00.250+02:00", 1_795_155_300_250),
        ("2024-02-29T23:59:59-05:30", 1_709_270_999_000),
        ("1969-12-31T00:00:00Z", -86_400_000),
        ("2026-11-01t00:00:00.5z", 1_793_491_200_500),
    ])
    func startFrom(text: String, epochMilliseconds: Int64) throws {
        let config = try ConfigFixture.parse(Self.monitor("account_sid: \(Self.sid)\npassword: p\nstart_from: \"\(text)\""))
        #expect(config.sources.monitor?.start == .from(epochMilliseconds: epochMilliseconds))
    }

    @Test("impossible or malformed start dates are problems", arguments: [
        "2026-02-30", "2026-13-01", "2026-11-1", "2026-11-01T25:00:00Z", "2026-11-01T08:15:00", "2026-11-01T08:15:00+0000",
        "yesterday", "2026-11-01T08:15:00.Z",
    ])
    func badStartFrom(text: String) throws {
        let problem = try #require(ConfigFixture.problem(Self.monitor("account_sid: \(Self.sid)\npassword: p\nstart_from: \"\(text)\"")))
        #expect(problem.located == "5:17 sources.monitor.start_from")
        #expect(problem.message.hasPrefix("expected a date like 2026-11-01 or an RFC 3339 timestamp"))
    }

    @Test("start_from and backfill together are a problem")
    func startFromAndBackfill() throws {
        let problem = try #require(ConfigFixture.problem(Self.monitor(
            "account_sid: \(Self.sid)\npassword: p\nstart_from: 2026-11-01\nbackfill: 1d")))
        #expect(problem.located == "6:15 sources.monitor.backfill")
        #expect(problem.message == "give either start_from or backfill, not both")
    }

    @Test("monitor values out of range or malformed are each reported at their value")
    func monitorBadValues() {
        let problems = ConfigFixture.problems(Self.monitor("""
            base_url: ftp://monitor.twilio.com
            account_sid: AC123
            username: US\(String(repeating: "0", count: 32))
            password: p
            poll_interval: 0s
            page_size: 1001
            retry: { initial: 2m }
            """))
        #expect(problems.map(\.description) == [
            "pipeline.yaml:3:15: sources.monitor.base_url: expected an http or https URL like https://example.com/path, got \"ftp://monitor.twilio.com\"",
            "pipeline.yaml:4:18: sources.monitor.account_sid: expected an account SID (AC followed by 32 hex digits), got \"AC123\"",
            "pipeline.yaml:5:15: sources.monitor.username: expected an account SID (AC…) or an API key SID (SK…), got \"US00000000000000000000000000000000\"",
            "pipeline.yaml:7:20: sources.monitor.poll_interval: must be at least 1ms, got 0s",
            "pipeline.yaml:8:16: sources.monitor.page_size: must be between 1 and 1000, got 1001",
            "pipeline.yaml:9:23: sources.monitor.retry.initial: must not be longer than max (1m)",
        ])
    }

    // MARK: Secrets

    @Test("password and password_file together are a problem at password_file")
    func passwordAndPasswordFile() throws {
        let problem = try #require(ConfigFixture.problem(
            Self.monitor("account_sid: \(Self.sid)\npassword: p\npassword_file: /run/secrets/x"),
            files: ["/run/secrets/x": "p"]))
        #expect(problem.located == "5:20 sources.monitor.password_file")
        #expect(problem.message == "give either password or password_file, not both")
    }

    @Test("a missing password names both keys")
    func missingPassword() throws {
        let problem = try #require(ConfigFixture.problem(Self.monitor("account_sid: \(Self.sid)")))
        #expect(problem.located == "3:5 sources.monitor")
        #expect(problem.message == "missing required key \"password\" (or \"password_file\")")
    }

    @Test("secret files lose their trailing newlines only", arguments: [
        ("secret\n", "secret"), ("secret\r\n", "secret"), ("secret\n\n\n", "secret"), (" secret ", " secret "),
        ("multi\nline\n", "multi\nline"),
    ])
    func secretFileNewlines(contents: String, expected: String) throws {
        let config = try ConfigFixture.parse(Self.monitor("account_sid: \(Self.sid)\npassword_file: /s"), files: ["/s": contents])
        #expect(config.sources.monitor?.password == expected)
    }

    @Test("an unreadable secret file is a problem naming the path and the reason, never the contents")
    func unreadableSecretFile() throws {
        let directory = try ConfigFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let absent = directory.appendingPathComponent("absent").path
        let yaml = Self.monitor("account_sid: \(Self.sid)\npassword_file: \(absent)")
        let error = #expect(throws: ConfigError.self) {
            try PipelineConfigLoader.parse(yaml: yaml, file: "pipeline.yaml", environment: [:])
        }
        #expect(error?.problems.map(\.description) == [
            "pipeline.yaml:4:20: sources.monitor.password_file: cannot read \"\(absent)\": No such file or directory",
        ])
        let directoryProblem = try #require(ConfigFixture.problem(
            Self.monitor("account_sid: \(Self.sid)\npassword_file: \(directory.path)"), files: [:]))
        #expect(directoryProblem.message.hasPrefix("cannot read \"\(directory.path)\": "))
    }

    @Test("an empty password is a problem")
    func emptyPassword() throws {
        let problem = try #require(ConfigFixture.problem(Self.monitor("account_sid: \(Self.sid)\npassword: ${SECRET:-}")))
        #expect(problem.located == "4:15 sources.monitor.password")
        #expect(problem.message == "must not be empty")
    }

    // MARK: Event Streams

    @Test("a signed event_streams source needs public_url and auth_token")
    func eventStreamsNeedsSignatureKeys() {
        let problems = ConfigFixture.problems(Self.streams("path: /hooks"))
        #expect(problems.map(\.located) == ["3:5 sources.event_streams", "3:5 sources.event_streams"])
        #expect(problems[0].message.hasPrefix("missing required key \"public_url\""))
        #expect(problems[1].message.hasPrefix("missing required key \"auth_token\" (or \"auth_token_file\")"))
    }

    @Test("every event_streams key is read, secrets from files included")
    func eventStreamsAllKeys() throws {
        let yaml = Self.streams("""
            path: /hooks/twilio
            public_url: https://fwd.example.com/hooks/twilio
            auth_token_file: /secrets/token
            max_body_bytes: 2MiB
            allowed_delay: 2m
            basic_auth:
              username: twilio
              password_file: /secrets/basic
            allow_cidrs: [10.0.0.0/8, 192.168.1.7, "2001:db8::/32", "::1"]
            max_pending_requests: 16
            """)
        let config = try ConfigFixture.parse(yaml, files: ["/secrets/token": "tok\n", "/secrets/basic": "pw\n"])
        #expect(config.sources.eventStreams == EventStreamsSourceConfig(
            path: "/hooks/twilio", publicURL: "https://fwd.example.com/hooks/twilio", authToken: "tok",
            insecureSkipSignature: false, maxBodyBytes: 2 << 20, allowedDelay: .seconds(120),
            basicAuth: BasicAuthConfig(username: "twilio", password: "pw"),
            allowCIDRs: try ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"].map { try #require(CIDRBlock($0)) },
            maxPendingRequests: 16))
    }

    @Test("user:password in public_url become the required Basic credentials; a different basic_auth is a problem")
    func basicAuthFromPublicURL() throws {
        let fromURL = try ConfigFixture.parse(Self.streams("""
            public_url: https://twilio:p%40ss@fwd.example.com/hooks
            auth_token: tok
            """))
        #expect(fromURL.sources.eventStreams?.basicAuth == BasicAuthConfig(username: "twilio", password: "p@ss"))
        let literalPercent = try ConfigFixture.parse(Self.streams("""
            public_url: https://twilio:100%2541@fwd.example.com/hooks
            auth_token: tok
            """))
        #expect(literalPercent.sources.eventStreams?.basicAuth?.password == "100%41", "decoded once, not twice")
        let colon = try #require(ConfigFixture.problem(Self.streams("""
            public_url: https://a%3Ab:pw@fwd.example.com/hooks
            auth_token: tok
            """)))
        #expect(colon.message.hasPrefix("the user name in public_url must not contain"))
        let same = try ConfigFixture.parse(Self.streams("""
            public_url: https://twilio:pw@fwd.example.com/hooks
            auth_token: tok
            basic_auth: { username: twilio, password: pw }
            """))
        #expect(same.sources.eventStreams?.basicAuth == BasicAuthConfig(username: "twilio", password: "pw"))
        let problem = try #require(ConfigFixture.problem(Self.streams("""
            public_url: https://twilio:pw@fwd.example.com/hooks
            auth_token: tok
            basic_auth: { username: twilio, password: other }
            """)))
        #expect(problem.located == "5:17 sources.event_streams.basic_auth")
        #expect(problem.message == "differs from the user:password in public_url; give the credentials in one place")
        #expect(!problem.message.contains("other"), "never prints a secret")
    }

    @Test("event_streams values are checked", arguments: [
        ("path: hooks", "4:11 sources.event_streams.path", "must start with \"/\", got \"hooks\""),
        ("public_url: forwarder.example.com", "4:17 sources.event_streams.public_url",
         "expected an http or https URL like https://example.com/path, got \"forwarder.example.com\""),
        ("max_pending_requests: 0", "4:27 sources.event_streams.max_pending_requests", "must be at least 1, got 0"),
        ("max_body_bytes: 0", "4:21 sources.event_streams.max_body_bytes", "must be at least 1B, got 0B"),
        ("basic_auth: { username: u }", "4:17 sources.event_streams.basic_auth",
         "missing required key \"password\" (or \"password_file\")"),
        ("allowed_delay: soon", "4:20 sources.event_streams.allowed_delay",
         "expected a duration like 60s, 10m or 500ms, got \"soon\""),
    ])
    func eventStreamsBadValues(line: String, located: String, message: String) throws {
        let problem = try #require(ConfigFixture.problem(Self.streams("insecure_skip_signature: true\n" + line)))
        #expect(problem.located == located)
        #expect(problem.message == message)
    }

    @Test("an unknown key under event_streams lists the receiver's keys, then the setup keys")
    func eventStreamsKeyList() throws {
        let problem = try #require(ConfigFixture.problem(Self.streams("insecure_skip_signature: true\nbogus: 1")))
        #expect(problem.located == "4:5 sources.event_streams.bogus")
        #expect(problem.message == "unknown key \"bogus\"; expected one of: path, public_url, auth_token, auth_token_file, "
            + "insecure_skip_signature, max_body_bytes, allowed_delay, basic_auth, allow_cidrs, max_pending_requests, "
            + "subscribe, events_api_url, username, password, password_file, receive_events_from_subaccounts, batch_events")
    }

    @Test("insecure_skip_signature takes true or false only")
    func insecureIsBoolean() throws {
        let problems = ConfigFixture.problems(Self.streams("insecure_skip_signature: yes"))
        #expect(problems.first?.located == "3:30 sources.event_streams.insecure_skip_signature")
        #expect(problems.first?.message == "expected true or false, got \"yes\"")
    }

    @Test("CIDR syntax", arguments: [
        ("10.0.0.0/8", true), ("0.0.0.0/0", true), ("192.168.1.7", true), ("255.255.255.255/32", true),
        ("::/0", true), ("::1", true), ("2001:db8::/32", true), ("fe80::1:2:3:4/64", true), ("1:2:3:4:5:6:7:8/128", true),
        ("::ffff:192.0.2.1/96", true), ("1:2:3:4:5:6:7::", true),
        ("10.0.0.0/33", false), ("10.0.0/8", false), ("256.1.1.1", false), ("01.2.3.4", false), ("10.0.0.0/", false),
        ("10.0.0.0/-1", false), ("1:2:3:4:5:6:7:8:9", false), ("1::2::3", false), ("2001:db8::/129", false),
        ("fe80::1%eth0", false), ("12345::", false), ("g::1", false), ("localhost", false), ("", false),
        ("1.2.3.4::", false), (":1:2:3:4:5:6:7", false), ("1:2:3:4:5:6:7:8::", false),
    ])
    func cidrSyntax(text: String, valid: Bool) {
        #expect((CIDRBlock(text) != nil) == valid)
    }

    @Test("an invalid CIDR is reported at its list entry")
    func invalidCIDRInFile() throws {
        let problem = try #require(ConfigFixture.problem(Self.streams("""
            insecure_skip_signature: true
            allow_cidrs:
              - 10.0.0.0/8
              - 10.0.0.0/33
            """)))
        #expect(problem.located == "6:9 sources.event_streams.allow_cidrs[1]")
        #expect(problem.message == "expected an IPv4 or IPv6 address or CIDR range like 10.0.0.0/8 or 2001:db8::/32, got \"10.0.0.0/33\"")
    }

    // MARK: Sources as a whole

    @Test("at least one source is required", arguments: [
        ("sources: {}\n", "1:10 sources", "at least one source is required: monitor, event_streams, nats, or several of them"),
        ("sources:\n", "1:1 sources", "at least one source is required: monitor, event_streams, nats, or several of them"),
        ("state: {}\n", "1:1 ", "missing required key \"sources\""),
    ])
    func missingSources(yaml: String, located: String, message: String) throws {
        let problem = try #require(ConfigFixture.problem(yaml + ConfigFixture.outputs))
        #expect(problem.located == located)
        #expect(problem.message == message)
    }

    @Test("a source with no body is read as an empty mapping at its key")
    func emptySourceBody() throws {
        let problems = ConfigFixture.problems("sources:\n  monitor:\n" + ConfigFixture.outputs)
        #expect(problems.map(\.located) == ["2:3 sources.monitor", "2:3 sources.monitor"])
        #expect(problems.map(\.message) == ["missing required key \"account_sid\"", "missing required key \"password\" (or \"password_file\")"])
    }

    // MARK: Server, admin, log

    @Test("server.listen forms", arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), ("\"[::1]:8080\"", "::1", 8080), ("0.0.0.0:0", "0.0.0.0", 0),
        ("localhost:65535", "localhost", 65535), ("\"[2001:db8::1]:443\"", "2001:db8::1", 443),
    ])
    func listen(text: String, host: String, port: Int) throws {
        let config = try ConfigFixture.parse("server:\n  listen: \(text)\n" + ConfigFixture.sources + "\n" + ConfigFixture.outputs)
        #expect(config.server == ServerConfig(host: host, port: port))
    }

    @Test("bad server.listen values", arguments: ["8080", "::1:8080", "127.0.0.1:65536", "127.0.0.1:", ":8080", "[::1]8080", "[nope]:80", "127.0.0.1:-1"])
    func badListen(text: String) throws {
        let problem = try #require(ConfigFixture.problem("server:\n  listen: \"\(text)\"\n" + ConfigFixture.sources + "\n" + ConfigFixture.outputs))
        #expect(problem.located == "2:11 server.listen")
        #expect(problem.message == "expected host:port like 127.0.0.1:8080 or [::1]:8080, got \(ConfigReader.quoted(text))")
    }

    @Test("admin token from a file; empty means disabled; token and token_file together are a problem")
    func adminToken() throws {
        let base = ConfigFixture.sources + "\n" + ConfigFixture.outputs
        let fromFile = try ConfigFixture.parse("admin:\n  token_file: /t\n" + base, files: ["/t": "admintoken\n"])
        #expect(fromFile.admin.token == "admintoken")
        let empty = try ConfigFixture.parse("admin:\n  token: \"\"\n" + base)
        #expect(empty.admin.token == nil)
        let both = try #require(ConfigFixture.problem("admin:\n  token: a\n  token_file: /t\n" + base, files: ["/t": "b"]))
        #expect(both.located == "3:15 admin.token_file")
    }

    @Test("log level and format")
    func logSection() throws {
        let base = ConfigFixture.sources + "\n" + ConfigFixture.outputs
        let config = try ConfigFixture.parse("log: { level: debug, format: text }\n" + base)
        #expect(config.log == LogConfig(level: .debug, format: .text))
        let problems = ConfigFixture.problems("log: { level: loud, format: xml }\n" + base)
        #expect(problems.map(\.message) == [
            "expected one of trace, debug, info, notice, warning, error or critical, got \"loud\"",
            "expected json or text, got \"xml\"",
        ])
    }
}
