import ForwarderCore
import NIOCore
import OutputFormats
import Testing

@Suite("RFC 5424 encoder")
struct RFC5424EncoderTests {
    typealias F = EncoderFixtures
    static let sdID = "twilio@32473"

    func encoder(_ options: RFC5424Options = RFC5424Options(), hostname: String = "forwarder-1", procID: String = "-") -> RFC5424Encoder {
        RFC5424Encoder(options: options, hostname: hostname, procID: procID)
    }

    // MARK: Golden lines

    @Test("a Monitor event is one exact line: header, SD element, BOM and the original JSON on one line")
    func goldenMonitorJSON() {
        let line = F.encode(encoder(), ForwardedEvent(sequence: 1842, event: F.monitorEvent))
        #expect(line == #"<133>1 2014-10-03T16:48:25.000Z forwarder-1 twilio-siem-forwarder - account.updated [twilio@32473 id="AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" type="account.updated" account="ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" dataset="twilio.monitor" seq="1842" actor="USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" actorType="account" source="api" ip="10.86.6.250" resource="ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" resourceType="account" url="https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] "# + "\u{FEFF}" + #"{"sid":"AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","url":"https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","links":{"actor":"https://monitor.twilio.com/v1/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","resource":"https://monitor.twilio.com/v1/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"source":"api","actor_sid":"USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","actor_type":"account","event_data":{"friendly_name":{"updated":"Mr. Friendly","previous":"SubAccount Created at 2014-10-03 09:48 am"}},"event_date":"2014-10-03T16:48:25Z","event_type":"account.updated","account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","description":null,"resource_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","resource_type":"account","source_ip_address":"10.86.6.250"}"#)
    }

    @Test("an IAM ip.blocked event is one exact line, flagged as timed by data.timestamp")
    func goldenIPBlockedJSON() {
        let line = F.encode(encoder(), ForwardedEvent(sequence: 1842, event: F.ipBlockedEvent))
        #expect(line == #"<132>1 2025-08-24T17:33:52.164Z forwarder-1 twilio-siem-forwarder - com.twilio.iam.ip.blocked [twilio@32473 id="NO00000000000000000000000001" type="com.twilio.iam.ip.blocked" account="AC0000000000000000000000000000001" dataset="twilio.event_streams" seq="1842" actor="SK0000000000000000000000000000001" source="AB00000000000000000000000001" ip="172.253.115.138" method="POST" path="/v1/Sinks" auth="API Key" request="RQ0000000000000000000000000000001" timeSource="data.timestamp"] "# + "\u{FEFF}" + #"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"AB00000000000000000000000001","id":"NO00000000000000000000000001","dataschema":"https://events-schemas.twilio.com/Iam.IPBlocked/2","datacontenttype":"2025-10-08T07:17:02.363Z","data":{"timestamp":"1756056832164","account_sid":"AC0000000000000000000000000000001","request_sid":"RQ0000000000000000000000000000001","address":"172.253.115.138","action":"POST","resource":"/v1/Sinks","authentication_method":"API Key","auth_sid":"SK0000000000000000000000000000001"}}"#)
    }

    @Test("with message: text, MSG is a one-line sentence after the BOM")
    func goldenText() throws {
        let text = encoder(RFC5424Options(message: .text))
        let monitor = F.encode(text, ForwardedEvent(sequence: 1842, event: F.monitorEvent))
        #expect(monitor.hasSuffix(#"url="https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] "# + "\u{FEFF}" + "account.updated on account ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa via api by account USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa from 10.86.6.250"))
        let blocked = F.encode(text, ForwardedEvent(sequence: 1842, event: F.ipBlockedEvent))
        #expect(blocked.hasSuffix(#"timeSource="data.timestamp"] "# + "\u{FEFF}" + "IP blocked: 172.253.115.138 POST /v1/Sinks for account AC0000000000000000000000000000001 (API Key SK0000000000000000000000000000001)"))
        var described = F.monitorEvent
        described.description = "Phone number released"
        #expect(try parseRFC5424(F.encode(text, described)).message == "Phone number released")
        var dryRun = F.ipBlockedEvent
        dryRun.type = "com.twilio.iam.ip.blocked.dryrun"
        dryRun.actorSid = nil
        dryRun.authMethod = "Auth Token"
        #expect(try parseRFC5424(F.encode(text, dryRun)).message
            == "IP block dry run: 172.253.115.138 POST /v1/Sinks for account AC0000000000000000000000000000001 (Auth Token)")
    }

    // MARK: PRI and time

    @Test("PRI is facility × 8 + the shared syslog severity", arguments: [
        ("com.twilio.iam.ip.blocked", nil, 16, 132),
        ("com.twilio.iam.ip.blocked.dryrun", nil, 16, 133),
        ("phone-number.deleted", "phone-number", 16, 133),
        ("phone-number.created", "phone-number", 16, 134),
        ("phone-number.updated", "phone-number", 16, 134),
        ("api-key.created", "api-key", 16, 133),
        ("account.updated", "account", 16, 133),
        ("call.something", "call", 16, 134),
        ("com.twilio.iam.ip.blocked", nil, 0, 4),
        ("phone-number.created", "phone-number", 23, 190),
        ("phone-number.created", "phone-number", 99, 190),
    ] as [(String, String?, Int, Int)])
    func priority(type: String, resourceType: String?, facility: Int, pri: Int) throws {
        var event = F.monitorEvent
        event.type = type
        event.resourceType = resourceType
        let record = try parseRFC5424(F.encode(encoder(RFC5424Options(facility: facility)), event))
        #expect(record.priority == pri)
        #expect(record.severity == EventClassification(event).syslogSeverity)
    }

    @Test("TIMESTAMP is RFC 3339 UTC with milliseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_162_500_123, "2026-11-20T08:15:00.123Z"),
        (1_795_162_500_007, "2026-11-20T08:15:00.007Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
    ])
    func timestamp(milliseconds: Int64, expected: String) throws {
        var event = F.monitorEvent
        event.time = Timestamp(epochMilliseconds: milliseconds)
        #expect(try parseRFC5424(F.encode(encoder(), event)).timestamp == expected)
    }

    // MARK: Header fields

    @Test("HOSTNAME keeps printable ASCII only, cut to 255, empty is -", arguments: [
        ("forwarder-1.example.com", "forwarder-1.example.com"),
        ("host with spaces", "host_with_spaces"),
        ("hôte-été", "h_te-_t_"),
        ("日本", "__"),
        ("🔐x", "_x"),
        ("tab\there\n", "tab_here_"),
        ("", "-"),
        (String(repeating: "h", count: 300), String(repeating: "h", count: 255)),
        (String(repeating: "é", count: 300), String(repeating: "_", count: 255)),
    ])
    func hostname(input: String, expected: String) throws {
        #expect(try parseRFC5424(F.encode(encoder(hostname: input), F.monitorEvent)).hostname == expected)
    }

    @Test("APP-NAME is cut to 48 and PROCID to 128, same character rules", arguments: [
        ("twilio-siem-forwarder", "twilio-siem-forwarder"),
        (String(repeating: "a", count: 60), String(repeating: "a", count: 48)),
        ("my app", "my_app"),
        ("", "-"),
    ])
    func appName(input: String, expected: String) throws {
        let record = try parseRFC5424(F.encode(encoder(RFC5424Options(appName: input)), F.monitorEvent))
        #expect(record.appName == expected)
    }

    @Test("PROCID is cut to 128", arguments: [
        ("-", "-"),
        ("4242", "4242"),
        (String(repeating: "9", count: 200), String(repeating: "9", count: 128)),
        ("pid 7", "pid_7"),
    ])
    func procID(input: String, expected: String) throws {
        #expect(try parseRFC5424(F.encode(encoder(procID: input), F.monitorEvent)).procID == expected)
    }

    @Test("MSGID is the event type, printable ASCII, cut to 32", arguments: [
        ("com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked"),
        ("com.twilio.iam.ip.blocked.dryrun", "com.twilio.iam.ip.blocked.dryrun"),
        ("com.twilio.messaging.inbound-message.received", "com.twilio.messaging.inbound-mes"),
        ("type with space", "type_with_space"),
        ("café.créé", "caf_.cr__"),
        (String(repeating: "日", count: 40), String(repeating: "_", count: 32)),
        ("", "-"),
    ])
    func msgID(type: String, expected: String) throws {
        var event = F.monitorEvent
        event.type = type
        let record = try parseRFC5424(F.encode(encoder(), event))
        #expect(record.msgID == expected)
        #expect(record.param("type", in: Self.sdID) == type, "the SD element keeps the whole type")
    }

    // MARK: Structured data

    @Test("PARAM-VALUE escapes \", \\ and ], writes LF/CR as \\n/\\r and other controls as \\xHH; everything else is written as is", arguments: [
        ("plain", "plain"),
        ("quo\"te", #"quo\"te"#),
        ("back\\slash", #"back\\slash"#),
        ("brack]et", #"brack\]et"#),
        ("a=b", "a=b"),
        ("pi|pe", "pi|pe"),
        ("[x]", #"[x\]"#),
        ("line\nfeed", #"line\nfeed"#),
        ("cr\rx", #"cr\rx"#),
        ("literal\\n", #"literal\\n"#),
        ("nul\u{0}", #"nul\x00"#),
        ("soh\u{1}x", #"soh\x01x"#),
        ("tab\tx", #"tab\x09x"#),
        ("esc\u{1B}[0m", #"esc\x1B[0m"#),
        ("unit\u{1F}", #"unit\x1F"#),
        ("del\u{7F}", #"del\x7F"#),
        ("literal \\x01", #"literal \\x01"#),
        ("café 日本 🔐", "café 日本 🔐"),
    ])
    func paramValueEscaping(value: String, encoded: String) {
        var event = F.monitorEvent
        event.actorSid = value
        #expect(F.encode(encoder(), event).contains(#" actor=""# + encoded + #"" "#))
    }

    @Test("every field survives the trip through the SD element exactly", arguments: F.awkwardValues)
    func roundTrip(value: String) throws {
        for origin in EventOrigin.allCases {
            let line = F.encode(encoder(), F.event(allFields: value, origin: origin))
            #expect(!F.hasRawControl(line), "one line, no control byte")
            let record = try parseRFC5424(line)
            #expect(record.structuredData.count == 1)
            #expect(record.structuredData.first?.id == Self.sdID)
            #expect(record.structuredData.first?.params.first?.name == "id", "id comes first")
            let names = ["id", "account", "actor", "actorType", "source", "ip", "resource", "resourceType", "method",
                         origin == .eventStreams ? "path" : "url", "auth", "request"]
            for name in names {
                #expect(record.param(name, in: Self.sdID) == F.controlsAsHex(value), "\(name)")
            }
            #expect(record.param("dataset", in: Self.sdID) == origin.dataset)
        }
    }

    @Test("with message: text, control characters in the sentence become spaces and nothing else changes", arguments: F.awkwardValues)
    func textRoundTrip(value: String) throws {
        let line = F.encode(encoder(RFC5424Options(message: .text)), F.event(allFields: value))
        #expect(!F.hasRawControl(line))
        let record = try parseRFC5424(line)
        #expect(record.messageHasBOM)
        #expect(record.message == F.controlsAsSpaces(value))
    }

    @Test("NUL, SOH, tab and DEL in id, type and description never reach the record raw", arguments: [RFC5424Message.json, .text])
    func controlCharacters(message: RFC5424Message) throws {
        var event = F.monitorEvent
        event.id = "a\u{0}b\u{1}c\td\u{7F}e"
        event.type = "account.\u{0}up\u{1}dat\ted\u{7F}"
        event.description = "line\u{0}one\u{1}two\tthree\u{7F}"
        let line = F.encode(encoder(RFC5424Options(message: message)), event)
        #expect(!F.hasRawControl(line))
        #expect(line.contains(#" [twilio@32473 id="a\x00b\x01c\x09d\x7Fe" type="account.\x00up\x01dat\x09ed\x7F" "#))
        let record = try parseRFC5424(line)
        #expect(record.param("id", in: Self.sdID) == #"a\x00b\x01c\x09d\x7Fe"#)
        #expect(record.param("type", in: Self.sdID) == #"account.\x00up\x01dat\x09ed\x7F"#)
        #expect(record.msgID == "account._up_dat_ed_")
        if message == .text {
            #expect(record.message == "line one two three ")
        }
    }

    @Test("empty or missing optional fields are left out; id and type are always there")
    func emptyFields() throws {
        let event = TwilioEvent(id: "", dedupKey: "k", time: Timestamp(epochMilliseconds: 0), origin: .monitor, type: "",
                                accountSid: "", actorSid: nil, sourceIP: "", raw: Array("{}".utf8))
        let record = try parseRFC5424(F.encode(encoder(), event))
        #expect(record.msgID == "-")
        #expect(record.structuredData.first?.params.map(\.name) == ["id", "type", "dataset", "seq"])
        #expect(record.param("id", in: Self.sdID) == "")
        #expect(record.param("type", in: Self.sdID) == "")
    }

    @Test("late, replay and a time not taken from the event are flagged only when true")
    func flags() throws {
        var event = F.monitorEvent
        let plain = try parseRFC5424(F.encode(encoder(), ForwardedEvent(sequence: 9, event: event)))
        for name in ["late", "replay", "timeSource"] { #expect(plain.param(name, in: Self.sdID) == nil) }
        event.timeSource = .receipt
        let flagged = try parseRFC5424(F.encode(encoder(), ForwardedEvent(sequence: 9, late: true, replayJob: "r-20261103-20261106-abc123", event: event)))
        #expect(flagged.param("late", in: Self.sdID) == "true")
        #expect(flagged.param("replay", in: Self.sdID) == "true")
        #expect(flagged.param("replayJob", in: Self.sdID) == "r-20261103-20261106-abc123")
        #expect(flagged.param("timeSource", in: Self.sdID) == "receipt")
        #expect(flagged.param("seq", in: Self.sdID) == "9")
    }

    @Test("the SD-ID carries the configured enterprise number and every PARAM-NAME is valid")
    func sdIDAndNames() throws {
        var event = F.event(allFields: "v", origin: .eventStreams)
        event.timeSource = .dataTimestamp
        let line = F.encode(encoder(RFC5424Options(enterpriseID: 4_294_967_295)), ForwardedEvent(sequence: 1, late: true, replayJob: "r-20261103-20261106-abc123", event: event))
        let record = try parseRFC5424(line)
        let element = try #require(record.structuredData.first)
        #expect(element.id == "twilio@4294967295")
        for param in element.params {
            #expect(param.name.utf8.count <= 32)
            #expect(param.name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "]") && $0 != UInt8(ascii: "\"") })
        }
        #expect(Set(element.params.map(\.name)).count == element.params.count, "no name twice")
    }

    // MARK: MSG

    @Test("MSG json is the original compacted onto one line with every value unchanged")
    func jsonMessage() throws {
        let raw = "{\r\n  \"type\" : \"com.twilio.iam.ip.blocked\",\n\t\"data\" : { \"resource\" : \"/v1/a b\\n\\\"c\\\\\", \"é\" : [1, 2.5e3, true, null] }\r\n}"
        var event = F.ipBlockedEvent
        event.raw = Array(raw.utf8)
        let line = F.encode(encoder(), event)
        #expect(!line.utf8.contains(0x0A) && !line.utf8.contains(0x0D))
        let record = try parseRFC5424(line)
        #expect(record.messageHasBOM)
        let message = try #require(record.message)
        #expect(try JSONReader.parse(Array(message.utf8)) == JSONReader.parse(Array(raw.utf8)))
        #expect(message == #"{"type":"com.twilio.iam.ip.blocked","data":{"resource":"/v1/a b\n\"c\\","é":[1,2.5e3,true,null]}}"#)
    }

    @Test("MSG json stays one line and valid JSON even if the original held a raw line break or DEL in a string")
    func jsonMessageWithRawControl() throws {
        var event = F.monitorEvent
        event.raw = Array("{\"d\":\"a\nb\rc\u{1}d\u{7F}\"}".utf8)
        let line = F.encode(encoder(), event)
        #expect(!F.hasRawControl(line))
        let message = try #require(try parseRFC5424(line).message)
        #expect(message == #"{"d":"a\u000ab\u000dc\u0001d\u007f"}"#)
        #expect(try JSONReader.parse(Array(message.utf8))["d"] == .string("a\nb\rc\u{1}d\u{7F}"))
    }

    @Test("an event without original bytes has no MSG")
    func noRaw() throws {
        var event = F.monitorEvent
        event.raw = []
        let record = try parseRFC5424(F.encode(encoder(), event))
        #expect(record.message == nil)
    }
}
