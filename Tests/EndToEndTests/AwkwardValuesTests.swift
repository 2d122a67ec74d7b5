import AsyncHTTPClient
import ForwarderCore
import ForwarderRuntime
import Foundation
import Outputs
import TestSupport
import Testing
import TwilioSimulator

@Suite("Awkward values through the whole pipeline", .serialized, .enabled(if: SyslogNG.interopTestsRun))
struct AwkwardValuesTests {
    /// Values a SIEM parser trips on: every escape-worthy character of both formats, a line
    /// break, and non-ASCII text.
    static let resource = "/v1/Sinks?a=b\\c|d]e\"f\nsecond line é 日本 🙂"
    static let action = "PO=ST|\\"
    static let authMethod = "API \"Key\" ] = \\ |"

    @Test("a signed delivery with =, \\, |, ], \", a newline and non-ASCII comes back unchanged from syslog-ng and from the CEF line")
    func roundTrip() async throws {
        let dir = TestDirectory()
        let syslog = SyslogNG(.tcp(octetCounting: true), directory: dir.path + "/tcp")
        try await syslog.start()
        let port = try SyslogNG.freePort(datagram: false)
        let path = "/webhooks/event-streams"
        let publicURL = "http://127.0.0.1:\(port)\(path)"
        let yaml = """
            state:
              dir: \(dir.path)/state
            server:
              listen: 127.0.0.1:\(port)
            operations:
              listen: "127.0.0.1:0"
            sources:
              event_streams:
                path: \(path)
                public_url: \(publicURL)
                auth_token: test-token
                allowed_delay: 200ms
            outputs:
              - name: syslog
                format: rfc5424
                transport: { type: tcp, host: 127.0.0.1, port: \(syslog.port) }
              - name: cef
                format: cef
                transport: { type: file, path: \(dir.path)/cef/twilio.cef }
            """
        let config = try PipelineConfigLoader.parse(yaml: yaml, file: "test.yaml", environment: [:])
        let pipeline = try await PipelineBuilder.build(config, options: .init(shutdownSignals: []), logger: quietLogger)
        let running = Task { try await pipeline.run() }
        try await eventually("forwarder listening") { await pipeline.listeningPort() > 0 }

        let body = """
            {"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/awkward","id":"EV-awkward-1",\
            "time":"2026-11-23T10:00:00.123Z","datacontenttype":"application/json","data":{\
            "account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","address":"2001:db8::7",\
            "action":\(try Self.json(Self.action)),"resource":\(try Self.json(Self.resource)),\
            "authentication_method":\(try Self.json(Self.authMethod)),"auth_sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}
            """
        #expect(try await postSignedDelivery(body, to: publicURL, authToken: "test-token").status == 200)

        try await eventually("both outputs delivered it") {
            for output in pipeline.outputs where await output.committedSequence() < 1 { return false }
            return true
        }
        await pipeline.shutdown()
        try await running.value

        // CEF: every value parses back exactly, newline included.
        let line = try String(contentsOfFile: dir.path + "/cef/twilio.cef", encoding: .utf8)
        #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false, "one record, one line")
        let cef = try parseCEF(String(line.dropLast()))
        #expect(cef.extensions["request"] == Self.resource)
        #expect(cef.extensions["requestMethod"] == Self.action)
        #expect(cef.extensions["cs6"] == Self.authMethod)
        #expect(cef.extensions["c6a2"] == "2001:db8::7")
        #expect(cef.extensions["externalId"] == "EV-awkward-1")
        #expect(cef.extensions["rt"] == "1795428000123")

        // RFC 5424 through syslog-ng: `"`, `\` and `]` are unescaped by syslog-ng; RFC 5424 has no
        // escape for a line break, so the forwarder writes it as the two characters `\n`.
        let messages = try await syslog.waitForMessages(1)
        try await syslog.stop()
        let sd = try #require(messages.first?.structuredData["twilio@32473"])
        #expect(sd["path"] == Self.resource.replacingOccurrences(of: "\n", with: "\\n"))
        #expect(sd["method"] == Self.action)
        #expect(sd["auth"] == Self.authMethod)
        #expect(sd["ip"] == "2001:db8::7")
        #expect(sd["id"] == "EV-awkward-1")
        #expect(messages.first?.msgid == "com.twilio.iam.ip.blocked")
    }

    /// A JSON string literal for `text`.
    static func json(_ text: String) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
