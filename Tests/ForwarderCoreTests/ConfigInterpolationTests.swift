import Testing
@testable import ForwarderCore

@Suite("${VAR} interpolation")
struct ConfigInterpolationTests {
    @Test("expansion of set, unset-with-default, empty and escaped references",
          arguments: [
            ("${HOST}", "example.com"),
            ("https://${HOST}/x", "https://example.com/x"),
            ("${MISSING:-fallback}", "fallback"),
            ("${EMPTY:-fallback}", "fallback"),
            ("${HOST:-fallback}", "example.com"),
            ("${MISSING:-}", ""),
            ("${EMPTY}", ""),
            ("$$", "$"),
            ("pa$$word", "pa$word"),
            ("$${HOST}", "${HOST}"),
            ("cost: 5$", "cost: 5$"),
            ("a$b", "a$b"),
            ("${HOST}${PORT}", "example.com8080"),
            ("${MISSING:-a:b-c}", "a:b-c"),
            ("no dollars", "no dollars"),
          ])
    func expands(text: String, expected: String) throws {
        let env = ["HOST": "example.com", "PORT": "8080", "EMPTY": ""]
        #expect(try ConfigInterpolation.expand(text, environment: env) == expected)
    }

    @Test("references that cannot be expanded say why",
          arguments: [
            ("${TWILIO_ACCOUNT_SID}", "environment variable TWILIO_ACCOUNT_SID is not set"),
            ("${OPEN", "\"${\" is not closed"),
            ("${}", "is not a variable reference"),
            ("${1X}", "is not a variable reference"),
            ("${A-b}", "is not a variable reference"),
            ("${A:-${B}}", "nested references are not supported"),
          ])
    func fails(text: String, fragment: String) {
        let error = #expect(throws: ConfigInterpolationError.self) {
            try ConfigInterpolation.expand(text, environment: [:])
        }
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
    }

    @Test("integers, durations and booleans come from the environment before typing")
    func typedFromEnvironment() throws {
        let yaml = """
            server:
              listen: ${LISTEN_HOST:-0.0.0.0}:${PORT:-8080}
            sources:
              event_streams:
                insecure_skip_signature: ${INSECURE}
                max_pending_requests: ${PENDING}
                allowed_delay: ${DELAY:-45s}
            \(ConfigFixture.outputs)
            """
        let config = try ConfigFixture.parse(yaml, env: ["PORT": "9090", "INSECURE": "true", "PENDING": "12"])
        #expect(config.server == ServerConfig(host: "0.0.0.0", port: 9090))
        let streams = try #require(config.sources.eventStreams)
        #expect(streams.insecureSkipSignature)
        #expect(streams.maxPendingRequests == 12)
        #expect(streams.allowedDelay == .seconds(45))
    }

    @Test("an unset variable without default is a problem at that scalar")
    func unsetIsAProblemAtTheScalar() throws {
        let yaml = """
            sources:
              monitor:
                account_sid: ${TWILIO_ACCOUNT_SID}
                password: ${TWILIO_API_SECRET:-x}
            \(ConfigFixture.outputs)
            """
        let problem = try #require(ConfigFixture.problem(yaml))
        #expect(problem.located == "3:18 sources.monitor.account_sid")
        #expect(problem.message.hasPrefix("environment variable TWILIO_ACCOUNT_SID is not set"))
    }

    @Test("a value from the environment is typed like one written in the file")
    func typedAfterExpansion() throws {
        let yaml = """
            sources:
              event_streams:
                insecure_skip_signature: true
                max_pending_requests: ${PENDING}
            \(ConfigFixture.outputs)
            """
        let problem = try #require(ConfigFixture.problem(yaml, env: ["PENDING": "many"]))
        #expect(problem.located == "4:27 sources.event_streams.max_pending_requests")
        #expect(problem.message == "expected an integer, got \"many\"")
    }

    @Test("quoted scalars are expanded too, and $$ keeps a literal dollar in a secret")
    func quotedAndEscaped() throws {
        let yaml = """
            admin:
              token: "pa$$${SUFFIX}"
            \(ConfigFixture.sources)
            \(ConfigFixture.outputs)
            """
        let config = try ConfigFixture.parse(yaml, env: ["SUFFIX": "word"])
        #expect(config.admin.token == "pa$word")
    }
}
