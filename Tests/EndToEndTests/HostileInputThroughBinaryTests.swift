import AsyncHTTPClient
import TestSupport
import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TwilioSimulator

/// Control characters and repeated JSON keys against the real binary: refused where they would
/// make an event ambiguous (its id, type or source; any repeated key), escaped where they are only
/// data, so no raw control byte reaches an RFC 5424 or CEF line.
@Suite("Hostile values through the binary", .serialized)
struct HostileInputThroughBinaryTests {
    static let token = "hostile-token"

    static func post(_ body: String, port: Int) async throws -> (Int, String) {
        try await postSignedDelivery(body, to: "http://127.0.0.1:\(port)/webhooks/event-streams", authToken: token)
    }

    static func event(id: String, resource: String = #""/v1/x""#, extra: String = "") -> String {
        #"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/hostile","id":\#(id),"time":"2026-11-23T10:00:00.000Z",\#(extra)"data":{"address":"203.0.113.5","resource":\#(resource),"action":"POST"}}"#
    }

    @Test("a control character in id and a repeated key are refused with 400 and stored nowhere; control characters in data come out escaped in RFC 5424 and CEF")
    func controlCharactersAndRepeatedKeys() async throws {
        let dir = TestDirectory()
        let port = try SyslogNG.freePort(datagram: false)
        let config = dir.path + "/pipeline.yaml"
        try """
            state:
              dir: \(dir.path)/state
            server:
              listen: 127.0.0.1:\(port)
            operations:
              listen: "127.0.0.1:0"
            sources:
              event_streams:
                public_url: http://127.0.0.1:\(port)/webhooks/event-streams
                auth_token: \(Self.token)
                allowed_delay: 200ms
            outputs:
              - name: archive
                format: rfc5424
                transport: { type: file, path: \(dir.path)/out/twilio.log }
              - name: qradar
                format: cef
                transport: { type: file, path: \(dir.path)/out/twilio.cef }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try startForwarder(config: config, log: dir.path + "/forwarder.log")
        defer { if process.isRunning { process.terminate() } }
        try await eventually(timeout: .seconds(30), "the forwarder listens") { SyslogNG.accepts(port: port) }

        let nul = try await Self.post(Self.event(id: #""EV-nul\u0000-1""#), port: port)
        #expect(nul.0 == 400 && nul.1.contains("control character in"), "\(nul)")
        let repeated = try await Self.post(Self.event(id: #""EV-A""#, extra: #""id":"EV-B","#), port: port)
        #expect(repeated.0 == 400 && repeated.1.contains("duplicate key"), "\(repeated)")
        let ok = try await Self.post(Self.event(id: #""EV-data-1""#, resource: #""/v1/a\u0000b\u0007c\td\u007fe""#), port: port)
        #expect(ok.0 == 200, "\(ok)")
        try await eventually(timeout: .seconds(30), "the accepted event is in both files") {
            ((try? String(contentsOfFile: dir.path + "/out/twilio.cef", encoding: .utf8)) ?? "").contains("EV-data-1")
                && ((try? String(contentsOfFile: dir.path + "/out/twilio.log", encoding: .utf8)) ?? "").contains("EV-data-1")
        }
        process.terminate()
        try await waitForExit(process)

        for name in ["twilio.log", "twilio.cef"] {
            let bytes = try #require(FileManager.default.contents(atPath: dir.path + "/out/" + name))
            let lines = bytes.split(separator: UInt8(ascii: "\n"))
            #expect(lines.count == 1, "\(name): only the accepted event")
            let raw = bytes.enumerated().filter { ($1 < 0x20 && $1 != 0x0A) || $1 == 0x7F }
            #expect(raw.isEmpty, "\(name): raw control bytes at \(raw.map(\.offset))")
        }
        let cef = try parseCEF(try String(contentsOfFile: dir.path + "/out/twilio.cef", encoding: .utf8).trimmingCharacters(in: .newlines))
        #expect(cef.extensions["externalId"] == "EV-data-1")
        #expect(cef.extensions.values.contains { $0.contains(#"\x00"#) && $0.contains(#"\x07"#) }, "\(cef.extensions)")
        let syslog = try String(contentsOfFile: dir.path + "/out/twilio.log", encoding: .utf8)
        #expect(syslog.contains(#"a\x00b\x07c\x09d\x7Fe"#), "\(syslog)")

        let show = try await runForwarder(["checkpoint", "show", "--config", config])
        #expect(show.stdout.contains("events stored: 1,"), "nothing of the refused deliveries was stored: \(show.stdout)")
    }
}
