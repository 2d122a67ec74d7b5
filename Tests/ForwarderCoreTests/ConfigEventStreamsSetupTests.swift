import Testing
@testable import ForwarderCore

/// The `event-streams setup` keys of `sources.event_streams`: defaults, every key, and each
/// problem at its line, column and key.
@Suite("sources.event_streams setup keys")
struct ConfigEventStreamsSetupTests {
    static func streams(_ body: String) -> String {
        "sources:\n  event_streams:\n    insecure_skip_signature: true\n" + ConfigFixture.indent(body, by: 4) + "\n" + ConfigFixture.outputs
    }

    @Test("without setup keys: the two IAM types, events.twilio.com, no credentials of its own, batched sink")
    func defaults() throws {
        let setup = try #require(try ConfigFixture.parse(Self.streams("path: /hooks")).sources.eventStreams?.setup)
        #expect(setup == EventStreamsSetupConfig())
        #expect(setup.subscribe.map(\.type) == ["com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked.dryrun"])
        #expect(setup.eventsAPIURL == "https://events.twilio.com" && setup.username == nil && setup.batchEvents)
    }

    @Test("every setup key is read: types plain or with a schema version, credentials from a file")
    func everyKey() throws {
        let config = try ConfigFixture.parse(Self.streams("""
            subscribe:
              - com.twilio.iam.ip.blocked
              - { type: com.twilio.iam.ip.blocked.dryrun, schema_version: 2 }
            events_api_url: http://127.0.0.1:9000/
            username: \(ConfigFixture.apiKeySid)
            password_file: /s
            receive_events_from_subaccounts: true
            batch_events: false
            """), files: ["/s": "secret\n"])
        let setup = try #require(config.sources.eventStreams?.setup)
        #expect(setup.subscribe == [EventTypeSubscription(type: "com.twilio.iam.ip.blocked"),
                                    EventTypeSubscription(type: "com.twilio.iam.ip.blocked.dryrun", schemaVersion: 2)])
        #expect(setup.eventsAPIURL == "http://127.0.0.1:9000")
        #expect(setup.username == ConfigFixture.apiKeySid && setup.password == "secret")
        #expect(setup.receiveEventsFromSubaccounts && !setup.batchEvents)
        #expect(config.sources.eventsAPICredentials?.username == ConfigFixture.apiKeySid)
    }

    @Test("without credentials of its own, setup borrows sources.monitor's")
    func borrowsMonitorCredentials() throws {
        let config = try ConfigFixture.parse("""
            sources:
              monitor:
                account_sid: \(ConfigFixture.accountSid)
                password: monitor-token
              event_streams:
                insecure_skip_signature: true
            \(ConfigFixture.outputs)
            """)
        #expect(config.sources.eventsAPICredentials?.username == ConfigFixture.accountSid)
        #expect(config.sources.eventsAPICredentials?.password == "monitor-token")
    }

    @Test("setup values are checked, each at its place", arguments: [
        ("subscribe: []", "4:16 sources.event_streams.subscribe", "must name at least one event type, e.g. [com.twilio.iam.ip.blocked]"),
        ("subscribe: [iam blocked]", "4:17 sources.event_streams.subscribe[0]",
         "expected an event type like com.twilio.iam.ip.blocked, got \"iam blocked\""),
        ("subscribe: [com.twilio.iam.ip.blocked, com.twilio.iam.ip.blocked]", "4:44 sources.event_streams.subscribe[1]",
         "\"com.twilio.iam.ip.blocked\" is listed twice; give each type once"),
        ("subscribe: [{ type: com.twilio.iam.ip.blocked, schema_version: 0 }]", "4:68 sources.event_streams.subscribe[0].schema_version",
         "must be at least 1, got 0"),
        ("events_api_url: events.twilio.com", "4:21 sources.event_streams.events_api_url",
         "expected an http or https URL like https://example.com/path, got \"events.twilio.com\""),
        ("username: bob\npassword: p", "4:15 sources.event_streams.username",
         "expected an account SID (AC…) or an API key SID (SK…), got \"bob\""),
        ("batch_events: sometimes", "4:19 sources.event_streams.batch_events", "expected true or false, got \"sometimes\""),
    ])
    func badValues(line: String, located: String, message: String) throws {
        let problem = try #require(ConfigFixture.problem(Self.streams(line)))
        #expect(problem.located == located)
        #expect(problem.message == message)
    }

    @Test("a username without a password (or the reverse) is one problem saying they go together")
    func credentialsGoTogether() throws {
        let problem = try #require(ConfigFixture.problem(Self.streams("username: \(ConfigFixture.apiKeySid)")))
        #expect(problem.key == "sources.event_streams")
        #expect(problem.message.contains("username needs a password"))
    }
}
