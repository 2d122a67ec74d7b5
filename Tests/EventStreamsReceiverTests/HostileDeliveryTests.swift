@testable import EventStreamsReceiver
import ForwarderCore
import Testing

/// One hostile or broken delivery, the status the contract gives it, and what may be stored.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var expected: Int
    var configure: @Sendable (inout EventStreamsSourceConfig) -> Void = { _ in }
    /// Headers that make the follow-up probe acceptable under `configure`.
    var probeHeaders: [(String, String)] = []
    /// What the follow-up probe gets (it proves the server still answers).
    var probeStatus = 200
    var send: @Sendable (ReceiverHarness) async throws -> Int

    var testDescription: String { name }

    static let tenMegabytes = 10 * 1024 * 1024

    static let all: [HostileCase] = [
        HostileCase(name: "truncated JSON", expected: 400) { server in
            let whole = SampleEvents.single(id: "hostile-truncated")
            return try await server.post(Array(whole.dropLast(7))).status
        },
        HostileCase(name: "id as a number", expected: 400) { server in
            try await server.post(Array(#"{"id":12,"type":"t","source":"hostile"}"#.utf8)).status
        },
        HostileCase(name: "10 MB declared: refused from the head, before the body is sent", expected: 413) { server in
            let head = "POST \(server.config.path)?bodySHA256=00 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(tenMegabytes)"
            // Only 64 KiB of the promised 10 MiB are ever sent: the answer cannot depend on the rest.
            let result = try await RawHTTPConnection.statusAfterSending(
                port: server.port, head: head, parts: [Array(repeating: UInt8(ascii: " "), count: 65_536)])
            return result.status
        },
        HostileCase(name: "10 MB streamed without a length: refused once past the limit", expected: 413) { server in
            let query = "bodySHA256=00"
            let head = "POST \(server.config.path)?\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + "X-Twilio-Signature: \(server.sign(server.publicURL + "?" + query))"
            // 1 MiB + 64 KiB of chunks and never the final chunk: the server must answer without the rest.
            let chunk = RawHTTPConnection.chunk(Array(repeating: UInt8(ascii: " "), count: 65_536))
            let result = try await RawHTTPConnection.statusAfterSending(
                port: server.port, head: head, parts: Array(repeating: chunk, count: 17))
            return result.status
        },
        HostileCase(name: "10 MB sent whole by an HTTP client", expected: 413) { server in
            try await server.post(Array(repeating: UInt8(ascii: " "), count: tenMegabytes)).status
        },
        HostileCase(name: "100,000-deep nesting", expected: 400) { server in
            let depth = 100_000
            let body = Array(#"{"id":"hostile-deep","type":"t","source":"s","data":"#.utf8)
                + Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
                + [UInt8(ascii: "}")]
            return try await server.post(body).status
        },
        HostileCase(name: "invalid UTF-8", expected: 400) { server in
            var body = SampleEvents.single(id: "hostile-utf8")
            let at = body.firstIndex(of: UInt8(ascii: "/"))!  // inside "/v1/Sinks"
            body[at] = 0xC3
            body[at + 1] = 0x28
            return try await server.post(body).status
        },
        HostileCase(name: "empty array", expected: 400) { server in
            try await server.post(Array("[]".utf8)).status
        },
        HostileCase(name: "an array of 10,000 events, over the default max_body_bytes", expected: 413) { server in
            let body = SampleEvents.batch(ids: (0..<10_000).map { "hostile-bulk-\($0)" })
            precondition(body.count > server.config.maxBodyBytes)
            return try await server.post(body).status
        },
        HostileCase(name: "a JSON null", expected: 400) { server in
            try await server.post(Array("null".utf8)).status
        },
        HostileCase(name: "a JSON string", expected: 400) { server in
            try await server.post(Array(#""com.twilio.iam.ip.blocked""#.utf8)).status
        },
        HostileCase(name: "a JSON number", expected: 400) { server in
            try await server.post(Array("42".utf8)).status
        },
        HostileCase(name: "an array with a number after a valid event", expected: 400) { server in
            try await server.post(Array(("[" + SampleEvents.event(id: "hostile-mixed") + ",5]").utf8)).status
        },
        HostileCase(name: "an array with an event lacking its id after a valid one", expected: 400) { server in
            let body = "[" + SampleEvents.event(id: "hostile-first") + #",{"type":"t","source":"s"}]"#
            return try await server.post(Array(body.utf8)).status
        },
        HostileCase(name: "type as an object", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile-type","type":{"name":"t"},"source":"s"}"#.utf8)).status
        },
        HostileCase(name: "source as null", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile-source","type":"t","source":null}"#.utf8)).status
        },
        HostileCase(name: "NUL in id", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile\u0000nul","type":"t","source":"s"}"#.utf8)).status
        },
        HostileCase(name: "SOH in type", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile-soh","type":"com.twilio\u0001x","source":"s"}"#.utf8)).status
        },
        HostileCase(name: "tab in source", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile-tab","type":"t","source":"s\tt"}"#.utf8)).status
        },
        HostileCase(name: "DEL written raw in id", expected: 400) { server in
            try await server.post(Array("{\"id\":\"hostile-del\u{7F}\",\"type\":\"t\",\"source\":\"s\"}".utf8)).status
        },
        HostileCase(name: "a batch whose third event has a line feed in its id, after two valid ones", expected: 400) { server in
            let body = "[" + SampleEvents.event(id: "hostile-ok-1") + "," + SampleEvents.event(id: "hostile-ok-2") + ","
                + SampleEvents.event(id: #"hostile\nsplit"#) + "]"
            return try await server.post(Array(body.utf8)).status
        },
        HostileCase(name: "id given twice (deduplicated as the first, read as the last by a SIEM)", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile-dup-A","type":"t","source":"s","id":"hostile-dup-B"}"#.utf8)).status
        },
        HostileCase(name: "time given twice", expected: 400) { server in
            let body = #"{"id":"hostile-dup-time","type":"t","source":"s","time":"2026-11-20T08:15:00.123Z","#
                + #""data":{"x":1},"time":"2030-01-01T00:00:00Z"}"#
            return try await server.post(Array(body.utf8)).status
        },
        HostileCase(name: "id given twice, once through an escape", expected: 400) { server in
            try await server.post(Array(#"{"id":"hostile-dup-A","type":"t","source":"s","\u0069d":"hostile-dup-B"}"#.utf8)).status
        },
        HostileCase(name: "a key given twice inside data, in the second event of a batch", expected: 400) { server in
            let body = "[" + SampleEvents.event(id: "hostile-dup-ok") + ","
                + #"{"id":"hostile-dup-data","type":"t","source":"s","data":{"address":"203.0.113.1","address":"198.51.100.1"}}]"#
            return try await server.post(Array(body.utf8)).status
        },
        HostileCase(name: "missing signature", expected: 401) { server in
            try await server.post(SampleEvents.single(id: "hostile-unsigned"), signing: .none).status
        },
        HostileCase(name: "signature for another URL", expected: 403) { server in
            try await server.post(SampleEvents.single(id: "hostile-other-url"),
                                  signing: .forURL("https://attacker.example/webhooks/event-streams")).status
        },
        HostileCase(name: "missing bodySHA256", expected: 401) { server in
            try await server.post(SampleEvents.single(id: "hostile-nohash"), query: "foo=1").status
        },
        HostileCase(name: "wrong content type", expected: 415) { server in
            try await server.post(SampleEvents.single(id: "hostile-text"), contentType: "text/plain").status
        },
        HostileCase(name: "no content type", expected: 415) { server in
            try await server.post(SampleEvents.single(id: "hostile-untyped"), contentType: nil).status
        },
        HostileCase(name: "Basic auth missing when configured", expected: 401,
                    configure: { $0.basicAuth = BasicAuthConfig(username: "u", password: "p") },
                    probeHeaders: [("Authorization", "Basic dTpw")]) { server in
            try await server.post(SampleEvents.single(id: "hostile-noauth")).status
        },
        HostileCase(name: "address outside allow_cidrs", expected: 403,
                    configure: { $0.allowCIDRs = [CIDRBlock("10.0.0.0/8")!, CIDRBlock("2001:db8::/32")!] }, probeStatus: 403) { server in
            try await server.post(SampleEvents.single(id: "hostile-address")).status
        },
    ]
}

@Suite("Hostile and broken deliveries")
struct HostileDeliveryTests {
    @Test("each is answered with its documented status, stores nothing, and the server keeps answering",
          arguments: HostileCase.all)
    func hostile(row: HostileCase) async throws {
        var config = ReceiverHarness.defaultConfig()
        row.configure(&config)
        try await ReceiverHarness.with(config: config) { server in
            let status = try await row.send(server)
            #expect(status == row.expected, "\(row.name)")

            let probe = try await server.post(SampleEvents.single(id: "probe"), headers: row.probeHeaders)
            #expect(probe.status == row.probeStatus, "the server still answers after \(row.name)")

            let stored = try await server.storedEvents()
            #expect(stored.map(\.id) == (row.probeStatus == 200 ? ["probe"] : []), "nothing of \(row.name) is stored")
        }
    }
}
