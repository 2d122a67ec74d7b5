import TestSupport
import ForwarderCore
import NIOCore
import OutputFormats
import Testing

@Suite("CEF encoder")
struct CEFEncoderTests {
    typealias F = EncoderFixtures

    func encoder(_ options: CEFOptions = CEFOptions(), hostname: String = "forwarder-1") -> CEFEncoder {
        CEFEncoder(options: options, hostname: hostname)
    }

    // MARK: Golden lines

    @Test("a Monitor event is one exact CEF line")
    func goldenMonitor() {
        let line = F.encode(encoder(), ForwardedEvent(sequence: 1842, event: F.monitorEvent))
        #expect(line == "CEF:0|Twilio|Twilio Events|1.0|account.updated|account.updated|5|rt=1412354905000 externalId=AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa cat=twilio.monitor act=updated outcome=success src=10.86.6.250 suid=USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa spriv=account request=https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa deviceExternalId=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa cs1Label=accountSid cs1=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa cs2Label=resourceSid cs2=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa cs3Label=resourceType cs3=account cs5Label=source cs5=api cn1Label=sequence cn1=1842 msg=account.updated on account ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa via api by account USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa from 10.86.6.250")
    }

    @Test("an IAM ip.blocked event is one exact CEF line")
    func goldenIPBlocked() {
        let line = F.encode(encoder(), ForwardedEvent(sequence: 1842, event: F.ipBlockedEvent))
        #expect(line == "CEF:0|Twilio|Twilio Events|1.0|com.twilio.iam.ip.blocked|IP blocked|7|rt=1756056832164 externalId=NO00000000000000000000000001 cat=twilio.event_streams act=blocked outcome=failure src=172.253.115.138 suid=SK0000000000000000000000000000001 requestMethod=POST request=/v1/Sinks deviceExternalId=AC0000000000000000000000000000001 cs1Label=accountSid cs1=AC0000000000000000000000000000001 cs4Label=requestSid cs4=RQ0000000000000000000000000000001 cs5Label=source cs5=AB00000000000000000000000001 cs6Label=authMethod cs6=API Key cn1Label=sequence cn1=1842 msg=IP blocked: 172.253.115.138 POST /v1/Sinks for account AC0000000000000000000000000000001 (API Key SK0000000000000000000000000000001)")
    }

    @Test("with syslog_header, the record follows an RFC 3164 header")
    func goldenSyslogHeader() throws {
        let line = F.encode(encoder(CEFOptions(syslogHeader: true)), ForwardedEvent(sequence: 1842, event: F.ipBlockedEvent))
        #expect(line.hasPrefix("<132>Aug 24 17:33:52 forwarder-1 CEF:0|Twilio|Twilio Events|1.0|com.twilio.iam.ip.blocked|IP blocked|7|rt=1756056832164 "))
        let record = try parseCEF(line)
        #expect(record.syslogHeader == "<132>Aug 24 17:33:52 forwarder-1")
        #expect(record.extensions["externalId"] == "NO00000000000000000000000001")
    }

    @Test("the parser reads the golden lines back into the event's values")
    func parsedGolden() throws {
        let record = try parseCEF(F.encode(encoder(), F.ipBlockedEvent))
        #expect(record.version == 0)
        #expect(record.deviceVendor == "Twilio")
        #expect(record.deviceProduct == "Twilio Events")
        #expect(record.deviceVersion == "1.0")
        #expect(record.signatureID == "com.twilio.iam.ip.blocked")
        #expect(record.name == "IP blocked")
        #expect(record.severity == "7")
        #expect(record.extensions["rt"] == "1756056832164")
        #expect(record.extensions["cs6"] == "API Key")
        #expect(record.extensions["msg"] == "IP blocked: 172.253.115.138 POST /v1/Sinks for account AC0000000000000000000000000000001 (API Key SK0000000000000000000000000000001)")
    }

    // MARK: Header

    @Test("header fields escape \\ and | and turn control characters into spaces", arguments: [
        ("Twilio Events", "Twilio Events", "Twilio Events"),
        ("A|B", #"A\|B"#, "A|B"),
        (#"back\slash"#, #"back\\slash"#, #"back\slash"#),
        (#"\|"#, #"\\\|"#, #"\|"#),
        ("two\nlines\r", "two lines ", "two lines "),
        ("tab\tnul\u{0}soh\u{1}del\u{7F}", "tab nul soh del ", "tab nul soh del "),
        ("a=b", "a=b", "a=b"),
        ("Événements 日本 🔐", "Événements 日本 🔐", "Événements 日本 🔐"),
    ])
    func headerEscaping(product: String, encoded: String, parsed: String) throws {
        let line = F.encode(encoder(CEFOptions(product: product, version: product)), F.monitorEvent)
        #expect(line.hasPrefix("CEF:0|Twilio|" + encoded + "|" + encoded + "|account.updated|"))
        let record = try parseCEF(line)
        #expect(record.deviceProduct == parsed)
        #expect(record.deviceVersion == parsed)
    }

    @Test("Name is IP blocked / IP block dry run for IAM, else the type; severity is the shared CEF severity", arguments: [
        ("com.twilio.iam.ip.blocked", nil, "IP blocked", "7", "blocked", "failure"),
        ("com.twilio.iam.ip.blocked.dryrun", nil, "IP block dry run", "5", "dry-run", "success"),
        ("phone-number.deleted", "phone-number", "phone-number.deleted", "5", "deleted", "success"),
        ("phone-number.created", "phone-number", "phone-number.created", "3", "created", "success"),
        ("phone-number.updated", "phone-number", "phone-number.updated", "3", "updated", "success"),
        ("api-key.created", "api-key", "api-key.created", "5", "created", "success"),
        ("account.deleted", "account", "account.deleted", "7", "deleted", "success"),
        ("com.twilio.messaging.message.sent", nil, "com.twilio.messaging.message.sent", "3", "sent", nil),
        ("unknown", nil, "unknown", "3", nil, nil),
        ("ends.with.dot.", nil, "ends.with.dot.", "3", nil, nil),
    ] as [(String, String?, String, String, String?, String?)])
    func classification(type: String, resourceType: String?, name: String, severity: String, act: String?, outcome: String?) throws {
        var event = F.monitorEvent
        event.type = type
        event.resourceType = resourceType
        let record = try parseCEF(F.encode(encoder(), event))
        #expect(record.signatureID == type)
        #expect(record.name == name)
        #expect(record.severity == severity)
        #expect(record.severity == String(EventClassification(event).cefSeverity))
        #expect(record.extensions["act"] == act)
        #expect(record.extensions["outcome"] == outcome)
    }

    // MARK: Extension

    @Test("extension values escape \\, =, LF and CR, write other controls as \\xHH, and leave | and non-ASCII alone", arguments: [
        ("plain", "plain"),
        ("a=b", #"a\=b"#),
        (#"back\slash"#, #"back\\slash"#),
        (#"\="#, #"\\\="#),
        ("pi|pe", "pi|pe"),
        ("line\nfeed", #"line\nfeed"#),
        ("cr\rx", #"cr\rx"#),
        ("crlf\r\n", #"crlf\r\n"#),
        (#"literal\n"#, #"literal\\n"#),
        ("nul\u{0}", #"nul\\x00"#),
        ("tab\tx", #"tab\\x09x"#),
        ("esc\u{1B}[0m", #"esc\\x1B[0m"#),
        ("del\u{7F}", #"del\\x7F"#),
        ("quo\"te ]", "quo\"te ]"),
        ("café 日本 🔐", "café 日本 🔐"),
    ])
    func extensionEscaping(value: String, encoded: String) {
        var event = F.monitorEvent
        event.actorSid = value
        #expect(F.encode(encoder(), event).contains(" suid=" + encoded + " spriv="))
    }

    @Test("every field survives the trip through the extension exactly", arguments: F.awkwardValues)
    func roundTrip(value: String) throws {
        for origin in EventOrigin.allCases {
            let line = F.encode(encoder(CEFOptions(syslogHeader: true)), F.event(allFields: value, origin: origin))
            #expect(!F.hasRawControl(line), "one line, no control byte")
            let record = try parseCEF(line)
            let x = record.extensions
            for key in ["externalId", "suid", "spriv", "requestMethod", "request", "deviceExternalId",
                        "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "msg"] {
                #expect(x[key] == F.controlsAsHex(value), "\(key)")
            }
            #expect(x["cat"] == origin.dataset)
            #expect(x["src"] == nil && x["c6a2"] == nil, "not an IP address")
        }
    }

    @Test("the type in the header survives with control characters as spaces", arguments: F.awkwardValues)
    func typeInHeader(value: String) throws {
        var event = F.monitorEvent
        event.type = value
        let line = F.encode(encoder(), event)
        #expect(!F.hasRawControl(line))
        let record = try parseCEF(line)
        #expect(record.signatureID == F.controlsAsSpaces(value))
        #expect(record.name == F.controlsAsSpaces(value))
    }

    @Test("NUL, SOH, tab and DEL in id, type and description never reach the record raw", arguments: [false, true])
    func controlCharacters(syslogHeader: Bool) throws {
        var event = F.monitorEvent
        event.id = "a\u{0}b\u{1}c\td\u{7F}e"
        event.type = "account.\u{0}up\u{1}dat\ted\u{7F}"
        event.description = "line\u{0}one\u{1}two\tthree\u{7F}"
        let line = F.encode(encoder(CEFOptions(syslogHeader: syslogHeader)), event)
        #expect(!F.hasRawControl(line))
        #expect(line.contains(#"|account. up dat ed |account. up dat ed |"#))
        #expect(line.contains(#" externalId=a\\x00b\\x01c\\x09d\\x7Fe "#))
        #expect(line.contains(#" act=\\x00up\\x01dat\\x09ed\\x7F "#))
        #expect(line.hasSuffix(#" msg=line\\x00one\\x01two\\x09three\\x7F"#))
        let record = try parseCEF(line)
        #expect(record.signatureID == "account. up dat ed ")
        #expect(record.name == "account. up dat ed ")
        #expect(record.extensions["externalId"] == #"a\x00b\x01c\x09d\x7Fe"#)
        #expect(record.extensions["act"] == #"\x00up\x01dat\x09ed\x7F"#)
        #expect(record.extensions["msg"] == #"line\x00one\x01two\x09three\x7F"#)
    }

    @Test("an IPv4 address goes to src, an IPv6 address to c6a2, anything else nowhere", arguments: [
        ("203.0.113.7", "src"),
        ("0.0.0.0", "src"),
        ("255.255.255.255", "src"),
        ("2001:db8::1", "c6a2"),
        ("::", "c6a2"),
        ("::1", "c6a2"),
        ("fe80::", "c6a2"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "c6a2"),
        ("::ffff:192.0.2.128", "c6a2"),
        ("1:2:3:4:5:6:192.0.2.1", "c6a2"),
        ("256.1.1.1", nil),
        ("1.2.3", nil),
        ("1.2.3.4.", nil),
        ("01.2.3.4", nil),
        (" 1.2.3.4", nil),
        ("1:2:3:4:5:6:7:8:9", nil),
        ("1::2::3", nil),
        ("1:2:3:4:5:6:7:8::", nil),
        ("fe80::1%eth0", nil),
        ("12345::1", nil),
        (":1", nil),
        ("1:", nil),
        ("g::1", nil),
        ("localhost", nil),
        ("", nil),
    ] as [(String, String?)])
    func sourceAddress(ip: String, key: String?) throws {
        var event = F.monitorEvent
        event.sourceIP = ip
        let x = try parseCEF(F.encode(encoder(), event)).extensions
        #expect(x["src"] == (key == "src" ? ip : nil))
        #expect(x["c6a2"] == (key == "c6a2" ? ip : nil))
        #expect(x["c6a2Label"] == (key == "c6a2" ? "Source IPv6 Address" : nil))
    }

    @Test("only keys with a value are written, each custom label right before its value")
    func presenceAndLabels() throws {
        let event = TwilioEvent(id: "", dedupKey: "k", time: Timestamp(epochMilliseconds: 5), origin: .eventStreams,
                                type: "com.twilio.iam.ip.blocked", accountSid: "", actorSid: nil, sourceIP: "",
                                authMethod: "Auth Token", raw: [])
        let record = try parseCEF(F.encode(encoder(), event))
        #expect(record.extensionOrder == ["rt", "cat", "act", "outcome", "cs6Label", "cs6", "cn1Label", "cn1", "msg"])
        #expect(record.extensions["rt"] == "5")
        #expect(record.extensions["msg"] == "IP blocked: (Auth Token)")

        let full = try parseCEF(F.encode(encoder(), ForwardedEvent(sequence: 3, late: true, replayJob: "r-20261103-20261106-abc123", event: F.event(allFields: "v"))))
        let order = full.extensionOrder
        for (n, key) in order.enumerated() where key.hasSuffix("Label") {
            #expect(n + 1 < order.count && order[n + 1] == String(key.dropLast(5)), "\(key) is followed by its value")
        }
        #expect(full.extensions["cs1Label"] == "accountSid")
        #expect(full.extensions["cs2Label"] == "resourceSid")
        #expect(full.extensions["cs3Label"] == "resourceType")
        #expect(full.extensions["cs4Label"] == "requestSid")
        #expect(full.extensions["cs5Label"] == "source")
        #expect(full.extensions["cs6Label"] == "authMethod")
    }

    @Test("late is flagged in flexString1 and a replay's job in flexString2, only when set; cn1 is the sequence")
    func flags() throws {
        let plain = try parseCEF(F.encode(encoder(), ForwardedEvent(sequence: 77, event: F.monitorEvent))).extensions
        #expect(plain["flexString1"] == nil && plain["flexString2"] == nil)
        #expect(plain["cn1Label"] == "sequence" && plain["cn1"] == "77")
        let late = try parseCEF(F.encode(encoder(), ForwardedEvent(sequence: 78, late: true, event: F.monitorEvent))).extensions
        #expect(late["flexString1Label"] == "late" && late["flexString1"] == "true")
        #expect(late["flexString2"] == nil)
        let replay = try parseCEF(F.encode(encoder(), ForwardedEvent(sequence: 79, replayJob: "r-20261103-20261106-abc123", event: F.monitorEvent))).extensions
        #expect(replay["flexString2Label"] == "replayJob" && replay["flexString2"] == "r-20261103-20261106-abc123")
        #expect(replay["flexString1"] == nil)
    }

    @Test("rt is the event time in epoch milliseconds", arguments: [Int64(0), 1_795_162_500_123, -1])
    func receiptTime(milliseconds: Int64) throws {
        var event = F.monitorEvent
        event.time = Timestamp(epochMilliseconds: milliseconds)
        #expect(try parseCEF(F.encode(encoder(), event)).extensions["rt"] == String(milliseconds))
    }

    // MARK: Syslog header

    @Test("the syslog header is <PRI>Mmm dd HH:MM:SS host in UTC, the day padded with a space", arguments: [
        (Int64(1_795_162_500_123), 16, "<134>Nov 20 08:15:00 forwarder-1"),
        (1_793_862_245_000, 16, "<134>Nov  5 07:04:05 forwarder-1"),
        (0, 0, "<6>Jan  1 00:00:00 forwarder-1"),
        (1_798_761_599_999, 23, "<190>Dec 31 23:59:59 forwarder-1"),
    ])
    func syslogHeader(milliseconds: Int64, facility: Int, expected: String) throws {
        var event = F.monitorEvent
        event.type = "phone-number.created"
        event.resourceType = "phone-number"
        event.time = Timestamp(epochMilliseconds: milliseconds)
        let record = try parseCEF(F.encode(encoder(CEFOptions(syslogHeader: true, facility: facility)), event))
        #expect(record.syslogHeader == expected)
    }

    @Test("the syslog header host name keeps printable ASCII only, cut to 255", arguments: [
        ("siem-fwd", "siem-fwd"),
        ("host name", "host_name"),
        ("hôte", "h_te"),
        ("", "-"),
        (String(repeating: "x", count: 300), String(repeating: "x", count: 255)),
    ])
    func syslogHostname(input: String, expected: String) throws {
        let line = F.encode(encoder(CEFOptions(syslogHeader: true), hostname: input), F.ipBlockedEvent)
        #expect(try parseCEF(line).syslogHeader == "<132>Aug 24 17:33:52 " + expected)
    }

    @Test("without syslog_header the line starts with CEF:0| and the host name is not used")
    func noSyslogHeader() throws {
        let line = F.encode(encoder(hostname: "unused"), F.ipBlockedEvent)
        #expect(line.hasPrefix("CEF:0|"))
        #expect(!line.contains("unused"))
        #expect(try parseCEF(line).syslogHeader == nil)
    }
}

@Suite("CEF parser")
struct CEFParserTests {
    @Test("the parser refuses what is not CEF", arguments: [
        "no cef here",
        "CEF:0|a|b|c|d|e",
        "CEF:x|a|b|c|d|e|f|k=v",
        "CEF:0|a|b|c|d|e|f|k=v\nk2=v",
        #"CEF:0|a|b|c|d|e|f|k=a\qb"#,
        "CEF:0|a|b|c|d|e|f|k=v k=w",
        "CEF:0|a|b|c|d|e|f| k=v",
        "CEF:0|a|b|c|d|e|f|k=v=w",
        "CEF:0|a|b|c|d|e|f|novalue",
    ])
    func refuses(line: String) {
        #expect(throws: CEFParseError.self) { try parseCEF(line) }
    }

    @Test("values may hold spaces, |, an empty string and escaped = and \\")
    func lenientValues() throws {
        let record = try parseCEF(#"CEF:0|V|P|1|id|n|3|a=x y|z b= c=\= \\ d=end"#)
        #expect(record.extensions == ["a": "x y|z", "b": "", "c": #"= \"#, "d": "end"])
        #expect(record.extensionOrder == ["a", "b", "c", "d"])
    }
}
