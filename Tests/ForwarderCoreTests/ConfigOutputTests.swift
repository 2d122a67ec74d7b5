import Testing
@testable import ForwarderCore

@Suite("Outputs and their formats")
struct ConfigOutputTests {
    static let fileTransport = "transport: { type: file, path: ./x.log }"

    @Test("each format has defaults when its options are absent", arguments: [
        ("ndjson", OutputFormat.ndjson(NDJSONOptions())),
        ("rfc5424", .rfc5424(RFC5424Options(facility: 16, hostname: nil, appName: "twilio-siem-forwarder",
                                             enterpriseID: 32473, message: .json))),
        ("cef", .cef(CEFOptions(product: "Twilio Events", version: "1.0", syslogHeader: false, facility: 16, hostname: nil))),
    ])
    func formatDefaults(name: String, expected: OutputFormat) throws {
        let output = try ConfigFixture.output("format: \(name)\n\(Self.fileTransport)")
        #expect(output.format == expected)
        #expect(output.format.name == name)
    }

    @Test("rfc5424 options are read")
    func rfc5424Options() throws {
        let output = try ConfigFixture.output("""
            format: rfc5424
            rfc5424: { facility: auth, hostname: fwd-1.example.com, app_name: twilio, enterprise_id: 99999, message: text }
            \(Self.fileTransport)
            """)
        #expect(output.format == .rfc5424(RFC5424Options(facility: 4, hostname: "fwd-1.example.com", appName: "twilio",
                                                         enterpriseID: 99999, message: .text)))
    }

    @Test("cef options are read")
    func cefOptions() throws {
        let output = try ConfigFixture.output("""
            format: cef
            cef:
              product: Twilio
              version: "2.1"
              syslog_header: true
              facility: 23
              hostname: fwd
            \(Self.fileTransport)
            """)
        #expect(output.format == .cef(CEFOptions(product: "Twilio", version: "2.1", syslogHeader: true, facility: 23,
                                                 hostname: "fwd")))
    }

    @Test("syslog facility names map to their numbers",
          arguments: Array(ConfigSyslogFacility.names.enumerated()))
    func facilityNames(number: Int, name: String) throws {
        let output = try ConfigFixture.output("format: rfc5424\nrfc5424: { facility: \(name) }\n\(Self.fileTransport)")
        #expect(output.format == .rfc5424(RFC5424Options(facility: number)))
    }

    @Test("facility numbers 0 to 23 are accepted, anything else is a problem", arguments: [
        ("0", 0), ("23", 23), ("16", 16), ("24", nil), ("-1", nil), ("local8", nil), ("LOCAL0", nil), ("", nil),
    ] as [(String, Int?)])
    func facilityNumbers(text: String, expected: Int?) throws {
        let body = "format: cef\ncef: { facility: \"\(text)\" }\n\(Self.fileTransport)"
        if let expected {
            #expect(try ConfigFixture.output(body).format == .cef(CEFOptions(facility: expected)))
        } else {
            let problem = try #require(ConfigFixture.outputProblems(body).first)
            #expect(problem.key == "outputs[0].cef.facility")
            #expect(problem.message == "expected a syslog facility: 0 to 23 or a name like local0, user or auth, got \"\(text)\"")
        }
    }

    @Test("options for a different format than `format` are a problem at their key")
    func optionsForAnotherFormat() throws {
        let problems = ConfigFixture.outputProblems("format: ndjson\ncef: { product: x }\n\(Self.fileTransport)")
        #expect(problems.map(\.description) == [
            "pipeline.yaml:7:5: outputs[0].cef: options \"cef\" do not apply to format ndjson; remove them or change format",
        ])
    }

    @Test("format options reject unknown keys", arguments: [
        ("ndjson", "ndjson: { pretty: true }", "outputs[0].ndjson.pretty", "unknown key \"pretty\" for format ndjson; this mapping takes no keys"),
        ("rfc5424", "rfc5424: { facilty: 3 }", "outputs[0].rfc5424.facilty",
         "unknown key \"facilty\"; expected one of: facility, hostname, app_name, enterprise_id, message"),
        ("cef", "cef: { vendor: x }", "outputs[0].cef.vendor",
         "unknown key \"vendor\"; expected one of: product, version, syslog_header, facility, hostname"),
    ])
    func unknownOptionKeys(format: String, options: String, key: String, message: String) throws {
        let problem = try #require(ConfigFixture.problem(
            ConfigFixture.sources + "\noutputs:\n  - name: x\n    format: \(format)\n    \(options)\n    \(Self.fileTransport)"))
        #expect(problem.key == key)
        #expect(problem.message == message)
    }

    @Test("rfc5424 header fields must be printable ASCII without spaces")
    func rfc5424HeaderFields() {
        let problems = ConfigFixture.outputProblems("""
            format: rfc5424
            rfc5424: { hostname: "my host", app_name: "\(String(repeating: "a", count: 49))", enterprise_id: 0, message: xml }
            \(Self.fileTransport)
            """)
        #expect(problems.map(\.key) == ["outputs[0].rfc5424.hostname", "outputs[0].rfc5424.app_name",
                                        "outputs[0].rfc5424.enterprise_id", "outputs[0].rfc5424.message"])
        #expect(problems[0].message == "expected 1 to 255 printable ASCII characters without spaces, got \"my host\"")
        #expect(problems[2].message == "must be between 1 and 4294967295, got 0")
        #expect(problems[3].message == "expected json or text, got \"xml\"")
    }

    @Test("a repeated output name is a problem at the second one's name")
    func duplicateOutputNames() throws {
        let yaml = """
            \(ConfigFixture.sources)
            outputs:
              - name: splunk
                format: ndjson
                \(Self.fileTransport)
              - name: other
                format: ndjson
                transport: { type: file, path: ./y.log }
              - name: splunk
                format: cef
                transport: { type: udp, host: siem, port: 514 }
            """
        let problem = try #require(ConfigFixture.problem(yaml))
        #expect(problem.located == "11:11 outputs[2].name")
        #expect(problem.message == "output name \"splunk\" is already used by outputs[0]")
    }

    @Test("output names are 1 to 64 of letters, digits, _ . -", arguments: [
        ("splunk-hec_1.prod", true), (String(repeating: "n", count: 64), true),
        (String(repeating: "n", count: 65), false), ("has space", false), ("ümlaut", false), ("a/b", false), ("", false),
    ])
    func outputNames(name: String, valid: Bool) throws {
        let yaml = ConfigFixture.sources + "\noutputs:\n  - name: \"\(name)\"\n    format: ndjson\n    \(Self.fileTransport)"
        if valid {
            #expect(try ConfigFixture.parse(yaml).outputs[0].name == name)
        } else {
            let problem = try #require(ConfigFixture.problem(yaml))
            #expect(problem.located == "5:11 outputs[0].name")
            #expect(problem.message.hasPrefix("expected 1 to 64 letters, digits"))
        }
    }

    @Test("name, format and transport are required; so is at least one output")
    func requiredOutputKeys() {
        let missingAll = ConfigFixture.problems(ConfigFixture.sources + "\noutputs:\n  - {}\n")
        #expect(missingAll.map(\.message) == [
            "missing required key \"name\"", "missing required key \"format\"", "missing required key \"transport\"",
        ])
        #expect(missingAll.allSatisfy { $0.located == "5:5 outputs[0]" })
        let empty = ConfigFixture.problems(ConfigFixture.sources + "\noutputs: []\n")
        #expect(empty.map(\.description) == ["pipeline.yaml:4:10: outputs: at least one output is required"])
        let absent = ConfigFixture.problems(ConfigFixture.sources + "\n")
        #expect(absent.map(\.description) == ["pipeline.yaml:1:1: missing required key \"outputs\""])
        let notAList = ConfigFixture.problems(ConfigFixture.sources + "\noutputs: { name: x }\n")
        #expect(notAList.map(\.description) == ["pipeline.yaml:4:10: outputs: expected a list, got a mapping"])
    }

    @Test("with an unknown format, each format's options key is still accepted, so only the format is reported")
    func unknownFormatKeepsOptionKeys() {
        let problems = ConfigFixture.outputProblems("format: json\ncef: { product: x }\n\(Self.fileTransport)")
        #expect(problems.map(\.message) == ["expected one of ndjson, rfc5424 or cef, got \"json\""])
    }

    @Test("an unknown format lists the formats")
    func unknownFormat() throws {
        let problem = try #require(ConfigFixture.outputProblems("format: json\n\(Self.fileTransport)").first)
        #expect(problem.message == "expected one of ndjson, rfc5424 or cef, got \"json\"")
    }
}
