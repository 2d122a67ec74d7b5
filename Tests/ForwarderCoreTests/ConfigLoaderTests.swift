import Foundation
import Logging
import Testing
@testable import ForwarderCore

@Suite("Pipeline file loading")
struct ConfigLoaderTests {
    /// The example of CONTRACT.md, section "Pipeline file", verbatim.
    static let contractExample = """
        state:
          dir: ./state                      # SQLite journal and cursors live here
          retention: 7d
        server:
          listen: 127.0.0.1:8080
        admin:
          token: ${ADMIN_TOKEN:-}           # empty: admin API disabled
        sources:
          monitor:                          # optional
            base_url: https://monitor.twilio.com
            account_sid: ${TWILIO_ACCOUNT_SID}
            username: ${TWILIO_API_KEY}     # API key SID or account SID
            password_file: /run/secrets/twilio_secret   # or password: ${TWILIO_API_SECRET}
            poll_interval: 60s
            lookback: 10m
            page_size: 1000
            start_from: 2026-11-01          # or backfill: 30d
          event_streams:                    # optional
            path: /webhooks/event-streams
            public_url: https://forwarder.example.com/webhooks/event-streams
            auth_token: ${TWILIO_AUTH_TOKEN}
            max_body_bytes: 1048576
        merge:
          max_hold: 2m
        outputs:
          - name: splunk
            format: ndjson                  # ndjson | rfc5424 | cef
            transport:
              type: file                    # file | udp | tcp | tls
              path: ./out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
              gzip: true                    # gzip_level: 1-9, default 6
              rotate: { max_bytes: 64MiB, max_age: 5m }
          - name: siem
            format: cef
            transport: { type: tcp, host: 127.0.0.1, port: 6514, framing: octet-counting }
        """

    @Test("the CONTRACT.md example loads with its environment and a real secret file, field by field")
    func contractExample() throws {
        let directory = try ConfigFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secretFile = directory.appendingPathComponent("twilio_secret").path
        try "api-key-secret\n\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let yaml = Self.contractExample.replacingOccurrences(of: "/run/secrets/twilio_secret", with: secretFile)
        let env = [
            "TWILIO_ACCOUNT_SID": ConfigFixture.accountSid,
            "TWILIO_API_KEY": ConfigFixture.apiKeySid,
            "TWILIO_AUTH_TOKEN": "auth-token-1",
        ]

        let config = try PipelineConfigLoader.parse(yaml: yaml, file: "pipeline.yaml", environment: env)

        #expect(config.file == "pipeline.yaml")
        #expect(config.state == StateConfig(dir: "./state", retention: .seconds(7 * 86_400)))
        #expect(config.server == ServerConfig(host: "127.0.0.1", port: 8080))
        #expect(config.admin.token == nil)
        #expect(config.log == LogConfig(level: .info, format: .json))
        let monitor = try #require(config.sources.monitor)
        #expect(monitor.baseURL == "https://monitor.twilio.com")
        #expect(monitor.accountSid == ConfigFixture.accountSid)
        #expect(monitor.username == ConfigFixture.apiKeySid)
        #expect(monitor.password == "api-key-secret")
        #expect(monitor.pollInterval == .seconds(60))
        #expect(monitor.lookback == .seconds(600))
        #expect(monitor.pageSize == 1000)
        #expect(monitor.start == .from(epochMilliseconds: 1_793_491_200_000))
        #expect(monitor.requestTimeout == .seconds(30))
        #expect(monitor.retry == RetryConfig(initial: .seconds(1), max: .seconds(60)))
        let streams = try #require(config.sources.eventStreams)
        #expect(streams.path == "/webhooks/event-streams")
        #expect(streams.publicURL == "https://forwarder.example.com/webhooks/event-streams")
        #expect(streams.authToken == "auth-token-1")
        #expect(streams.insecureSkipSignature == false)
        #expect(streams.maxBodyBytes == 1_048_576)
        #expect(streams.allowedDelay == .seconds(30))
        #expect(streams.basicAuth == nil)
        #expect(streams.allowCIDRs == [])
        #expect(streams.maxPendingRequests == 256)
        #expect(config.merge.maxHold == .seconds(120))
        #expect(config.outputs == [
            OutputConfig(name: "splunk", format: .ndjson(NDJSONOptions()), transport: .file(FileTransportConfig(
                path: "./out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz", gzip: true, gzipLevel: 6,
                rotate: RotationConfig(maxBytes: 64 << 20, maxAge: .seconds(300))))),
            OutputConfig(name: "siem", format: .cef(CEFOptions()), transport: .tcp(TCPTransportConfig(
                host: "127.0.0.1", port: 6514, framing: .octetCounting, connectTimeout: .seconds(10),
                reconnect: RetryConfig()))),
        ])
        #expect(config.outputs.map(\.format.name) == ["ndjson", "cef"])
    }

    @Test("a wrong type, an unknown key and a missing required key are all reported with line, column and key")
    func acceptanceThreeProblems() {
        let yaml = """
            sources:
              monitor:
                password: secret
                pol_interval: 5s
                page_size: abc
            \(ConfigFixture.outputs)
            """
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.count == 3)
        #expect(problems.map(\.located) == [
            "3:5 sources.monitor",
            "4:5 sources.monitor.pol_interval",
            "5:16 sources.monitor.page_size",
        ])
        #expect(problems.map(\.message) == [
            "missing required key \"account_sid\"",
            "unknown key \"pol_interval\"; expected one of: base_url, account_sid, username, password, password_file, "
                + "poll_interval, lookback, page_size, start_from, backfill, request_timeout, retry",
            "expected an integer, got \"abc\"",
        ])
        #expect(problems.allSatisfy { $0.file == "pipeline.yaml" })
        #expect(problems[2].description == "pipeline.yaml:5:16: sources.monitor.page_size: expected an integer, got \"abc\"")
    }

    @Test("ConfigError prints one problem per line")
    func errorDescription() {
        let error = ConfigError(problems: [
            ConfigProblem(file: "p.yaml", line: 12, column: 7, key: "outputs[0].transport.rotate.max_bytes",
                          message: "expected a size like 64MiB, got \"lots\""),
            ConfigProblem(file: "p.yaml", line: 1, column: 1, key: "", message: "the file is empty"),
            ConfigProblem(file: "p.yaml", line: 0, column: 0, key: "", message: "cannot read"),
        ])
        #expect(error.description == """
            p.yaml:12:7: outputs[0].transport.rotate.max_bytes: expected a size like 64MiB, got "lots"
            p.yaml:1:1: the file is empty
            p.yaml: cannot read
            """)
    }

    @Test("a value holding a control character or a Unicode line break is quoted with it escaped, so the message stays on one line",
          arguments: [(#"a\u2028b"#, #"a\u{2028}b"#), (#"a\u2029b"#, #"a\u{2029}b"#), (#"a\x85b"#, #"a\u{85}b"#),
                      (#"a\x9bb"#, #"a\u{9b}b"#), (#"a\x7fb"#, #"a\u{7f}b"#), (#"a\x1bb"#, #"a\u{1b}b"#), (#"a\rb"#, #"a\u{d}b"#)])
    func quotedValueStaysOnOneLine(yamlEscape: String, quoted: String) throws {
        let yaml = "sources:\n  monitor:\n    account_sid: \(ConfigFixture.accountSid)\n    password: p\n"
            + "    page_size: \"\(yamlEscape)\"\n" + ConfigFixture.outputs
        let problem = try #require(ConfigFixture.problem(yaml))
        #expect(problem.message == "expected an integer, got \"\(quoted)\"")
        #expect(!problem.description.contains { $0.isNewline })
    }

    @Test("load(path:) reads a real file, and an unreadable one is one problem naming the path and the reason")
    func loadFromDisk() throws {
        let directory = try ConfigFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pipeline.yaml").path
        try (ConfigFixture.sources + "\n" + ConfigFixture.outputs).write(toFile: path, atomically: true, encoding: .utf8)
        let config = try PipelineConfigLoader.load(path: path, environment: [:])
        #expect(config.file == path)
        #expect(config.sources.eventStreams?.insecureSkipSignature == true)

        let missing = directory.appendingPathComponent("absent.yaml").path
        let error = #expect(throws: ConfigError.self) {
            try PipelineConfigLoader.load(path: missing, environment: [:])
        }
        #expect(error?.problems == [ConfigProblem(
            file: missing, line: 0, column: 0, key: "",
            message: "cannot read the pipeline file \"\(missing)\": No such file or directory")])
    }

    @Test("an empty file and a document that is not a mapping are problems",
          arguments: [("", "1:1 ", "empty"), ("# only a comment\n", "1:1 ", "empty"),
                      ("- a\n- b\n", "1:1 ", "got a list"), ("just text\n", "1:1 ", "got \"just text\"")])
    func notAMapping(yaml: String, located: String, fragment: String) throws {
        let problem = try #require(ConfigFixture.problem(yaml))
        #expect(problem.located == located)
        #expect(problem.message.contains(fragment))
    }

    @Test("unknown top-level keys list the sections")
    func unknownTopLevelKey() throws {
        let yaml = ConfigFixture.sources + "\n" + ConfigFixture.outputs + "\noutput: {}\n"
        let problem = try #require(ConfigFixture.problem(yaml))
        #expect(problem.located == "8:1 output")
        #expect(problem.message == "unknown key \"output\"; expected one of: state, server, operations, admin, log, sources, merge, outputs")
    }

    @Test("a YAML syntax error is one problem at the position Yams reports",
          arguments: [
            ("sources:\n  monitor: [1, 2\n", 3, 1, "did not find expected ',' or ']'"),
            ("sources:\n  monitor: a: b\n", 2, 13, "mapping values are not allowed"),
            ("a: \"\\q\"\n", 1, 5, "unknown escape character"),
            ("a: *nothing\n", 1, 4, "undefined alias"),
            ("sources:\n\tmonitor: {}\n", 2, 1, "indent with spaces, YAML does not allow tabs there"),
            ("admin: { token: ${TOKEN} }\n", 1, 18, "inside { } or [ ], put values that use ${…} in quotes"),
            ("state: {}\n---\nstate: {}\n", 2, 1, "a pipeline file holds one document, but another one starts here"),
          ])
    func syntaxError(yaml: String, line: Int, column: Int, fragment: String) throws {
        let problem = try #require(ConfigFixture.problem(yaml))
        #expect(problem.line == line)
        #expect(problem.column == column)
        #expect(problem.key == "")
        #expect(problem.message.hasPrefix("YAML syntax error: "))
        #expect(problem.message.contains(fragment))
    }

    @Test("problems come out in file order")
    func fileOrder() {
        let yaml = """
            outputs: []
            sources: {}
            state: { retention: forever }
            """
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.map(\.located) == ["1:10 outputs", "2:10 sources", "3:21 state.retention"])
    }
}
