@testable import EventStreamsReceiver
import TestSupport
import ForwarderCore
import Testing

@Suite("Event Streams deliveries over HTTP")
struct WebhookDeliveryTests {
    @Test("Twilio's published vector passes signature and body hash checks over HTTP")
    func publishedVectorOverHTTP() async throws {
        let config = EventStreamsSourceConfig(path: "/myapp.php", publicURL: "https://mycompany.com/myapp.php", authToken: "12345")
        try await ReceiverHarness.with(config: config) { server in
            let body = TwilioRequestValidatorTests.body
            let query = "foo=1&bar=2&bodySHA256=\(TwilioRequestValidatorTests.bodyHash)"
            let valid = try await server.post(body, query: query, signing: .header(TwilioRequestValidatorTests.signature))
            // The signature and the hash are right; the vector's body is simply not a CloudEvent.
            #expect(valid.status == 400)
            #expect(valid.json?["error"]?.stringValue == #"the body has no "id" attribute"#)
            let wrong = try await server.post(body, query: query, signing: .header("b9nBmqA0ju/hNViExpshrM61xv4="))
            #expect(wrong.status == 403)
            let reordered = try await server.post(body, query: "bar=2&foo=1&bodySHA256=\(TwilioRequestValidatorTests.bodyHash)",
                                                  signing: .header(TwilioRequestValidatorTests.signature))
            #expect(reordered.status == 403)
            #expect(try await server.storedCount() == 0)
        }
    }

    @Test("each published IAM example is stored byte for byte, alone and as a one-element batch",
          arguments: IAMExamples.all.indices)
    func iamExample(index: Int) async throws {
        let text = IAMExamples.all[index]
        for body in [Array(text.utf8), Array(("[\n" + text + "\n]").utf8)] {
            try await ReceiverHarness.with { server in
                let answer = try await server.post(body)
                #expect(answer.status == 200)
                #expect(answer.body == #"{"accepted":1,"duplicates":0}"#)
                #expect(answer.header("Content-Type")?.hasPrefix("application/json") == true)
                let stored = try await server.storedEvents()
                #expect(stored.count == 1)
                #expect(stored.first?.raw == Array(text.utf8))
                #expect(stored.first?.id == "NO00000000000000000000000001")
                #expect(stored.first?.time.epochMilliseconds == 1_756_056_832_164)
                #expect(await server.reporter.journalChanges(reaching: 1) == 1)
            }
        }
    }

    @Test("all four IAM examples in one batch share an id: one stored, three duplicates")
    func iamExamplesBatched() async throws {
        try await ReceiverHarness.with { server in
            let body = Array(("[\n" + IAMExamples.all.joined(separator: ",\n") + "\n]").utf8)
            let answer = try await server.post(body)
            #expect(answer.status == 200)
            #expect(answer.body == #"{"accepted":1,"duplicates":3}"#)
            #expect(try await server.storedEvents().map(\.raw) == [Array(IAMExamples.blockedAPIKey.utf8)])
        }
    }

    @Test("an IAM example with one byte changed after signing is refused and not stored",
          arguments: IAMExamples.all.indices)
    func tamperedIAMExample(index: Int) async throws {
        try await ReceiverHarness.with { server in
            let original = Array(IAMExamples.all[index].utf8)
            let query = "bodySHA256=" + ReceiverHarness.sha256Hex(original)
            var tampered = original
            let at = try #require(tampered.firstIndex(of: UInt8(ascii: "7")))  // in the address 172.253.115.138
            tampered[at] = UInt8(ascii: "8")
            let answer = try await server.post(tampered, query: query)
            #expect(answer.status == 403)
            #expect(answer.json?["error"]?.stringValue?.contains("SHA-256") == true)
            #expect(try await server.storedCount() == 0)
        }
    }

    @Test("a batch of 10,000 events within a raised max_body_bytes is stored whole, in one transaction")
    func largeBatch() async throws {
        var config = ReceiverHarness.defaultConfig()
        config.maxBodyBytes = 8 * 1024 * 1024
        try await ReceiverHarness.with(config: config) { server in
            let ids = (0..<10_000).map { "bulk-\($0)" }
            let answer = try await server.post(SampleEvents.batch(ids: ids))
            #expect(answer.status == 200)
            #expect(answer.body == #"{"accepted":10000,"duplicates":0}"#)
            #expect(try await server.storedEvents().map(\.id).sorted() == ids.sorted())
            #expect(await server.receiver.batcher.transactions == 1)
        }
    }

    @Test("a duplicate delivery is answered 200 and stored once")
    func duplicateDelivery() async throws {
        try await ReceiverHarness.with { server in
            let body = SampleEvents.batch(ids: ["dup-1", "dup-2"])
            let first = try await server.post(body)
            let second = try await server.post(body)
            #expect(first.status == 200)
            #expect(first.body == #"{"accepted":2,"duplicates":0}"#)
            #expect(second.status == 200)
            #expect(second.body == #"{"accepted":0,"duplicates":2}"#)
            #expect(try await server.storedCount() == 2)
            #expect(await server.reporter.journalChanges(reaching: 1) == 1)
        }
    }

    @Test("the signature covers the query exactly as sent, percent-escapes and plus signs included")
    func rawQueryOverHTTP() async throws {
        try await ReceiverHarness.with { server in
            let body = SampleEvents.single(id: "q1")
            let query = "note=a%2Fb+c%20d&empty=&bodySHA256=" + ReceiverHarness.sha256Hex(body)
            let answer = try await server.post(body, query: query)
            #expect(answer.status == 200)
            // The same parameters, decoded, are another URL: a validator that re-encoded would accept this.
            let decoded = "note=a/b c d&empty=&bodySHA256=" + ReceiverHarness.sha256Hex(body)
            let forged = try await server.post(body, query: query, signing: .header(server.sign(server.publicURL + "?" + decoded)))
            #expect(forged.status == 403)
        }
    }

    @Test("media types with parameters and the CloudEvents types are accepted", arguments: [
        "application/json; charset=utf-8", "Application/JSON", "application/cloudevents+json",
        "application/cloudevents-batch+json; charset=UTF-8",
    ])
    func acceptedContentTypes(contentType: String) async throws {
        try await ReceiverHarness.with { server in
            let answer = try await server.post(SampleEvents.single(id: "ct"), contentType: contentType)
            #expect(answer.status == 200)
        }
    }

    @Test("Basic auth, when configured, accepts the right credentials and refuses wrong ones")
    func basicAuth() async throws {
        var config = ReceiverHarness.defaultConfig()
        config.basicAuth = BasicAuthConfig(username: "twilio", password: "s3cret")
        try await ReceiverHarness.with(config: config) { server in
            let good = try await server.post(SampleEvents.single(id: "b1"), headers: [("Authorization", "Basic dHdpbGlvOnMzY3JldA==")])
            #expect(good.status == 200)
            let bad = try await server.post(SampleEvents.single(id: "b2"), headers: [("Authorization", "Basic dHdpbGlvOndyb25n")])
            #expect(bad.status == 401)
            #expect(bad.header("WWW-Authenticate") == #"Basic realm="event-streams""#)
            #expect(try await server.storedCount() == 1)
        }
    }

    @Test("a delivery that gives id twice is refused with a reason naming the key, and nothing is stored")
    func duplicateID() async throws {
        try await ReceiverHarness.with { server in
            let body = #"{"id":"A","type":"t","source":"s","id":"B"}"#
            let answer = try await server.post(Array(body.utf8))
            #expect(answer.status == 400)
            #expect(answer.json?["error"]?.stringValue == #"the body is not valid JSON (duplicate key "id" at byte 34)"#)
            #expect(try await server.storedCount() == 0)
        }
    }

    @Test("an allowed client address is served")
    func allowedAddress() async throws {
        var config = ReceiverHarness.defaultConfig()
        config.allowCIDRs = try ["192.0.2.0/24", "127.0.0.0/8"].map { try #require(CIDRBlock($0)) }
        try await ReceiverHarness.with(config: config) { server in
            let answer = try await server.post(SampleEvents.single(id: "a1"))
            #expect(answer.status == 200)
        }
    }

    @Test("insecure_skip_signature accepts unsigned deliveries")
    func insecureSkip() async throws {
        let config = EventStreamsSourceConfig(insecureSkipSignature: true)
        try await ReceiverHarness.with(config: config) { server in
            let answer = try await server.post(SampleEvents.single(id: "i1"), query: "", signing: .none)
            #expect(answer.status == 200)
        }
    }
}
