import Foundation
import Testing
@testable import TwilioSimulator

@Suite("Event Streams deliveries")
struct WebhookTests {
    @Test("the published signature test vector reproduces")
    func signatureVector() {
        let body = Array(#"{"property": "value", "boolean": true}"#.utf8)
        let hash = TwilioSignature.bodySHA256Hex(body)
        #expect(hash == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        let url = TwilioSignature.urlWithBodyHash("https://mycompany.com/myapp.php?foo=1&bar=2", body: body)
        #expect(url == "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=\(hash)")
        #expect(TwilioSignature.sign(url: url, authToken: "12345") == "a9nBmqA0ju/hNViExpshrM61xv4=")
    }

    @Test("sink URLs lose their userinfo, which becomes Basic credentials")
    func webhookURLParsing() throws {
        let url = try WebhookURL(parsing: "https://user:p%40ss@hooks.example.com:8443/twilio?tenant=a#frag")
        #expect(url.requestURL == "https://hooks.example.com:8443/twilio?tenant=a")
        #expect(url.credentials == BasicAuthCredentials(user: "user", password: "p@ss"))
        #expect(try WebhookURL(parsing: "http://example.com").requestURL == "http://example.com/")
        #expect(throws: SimulatorConfigurationError.self) { try WebhookURL(parsing: "ftp://example.com/x") }
    }

    @Test("a 503 is retried with the same body until acknowledged; signatures and auth check out")
    func retriedUntilAcknowledged() async throws {
        let receiver = WebhookReceiver(mode: .failFirstAttempt, authToken: "hook-token")
        try await receiver.start()
        var configuration = quietConfiguration(days: 0, perDay: 0)
        configuration.webhookURL = "http://alice:s3cret@127.0.0.1:\(receiver.port)\(receiver.path)?tenant=acme"
        configuration.webhookAuthToken = "hook-token"
        try await withSimulator(configuration) { simulator in
            await simulator.sendDelivery(events: 3, batched: true)
            await simulator.sendDelivery(events: 2, batched: false)
            await simulator.waitUntilDeliveriesSettled()

            let deliveries = await simulator.deliveries()
            #expect(deliveries.count == 5)
            #expect(Set(deliveries.map(\.id)).count == 5)
            #expect(deliveries.allSatisfy { $0.acknowledged && $0.attempts >= 2 })
            #expect(deliveries.allSatisfy { $0.id.hasPrefix("EV") && $0.id.count == 34 })

            let seen = receiver.seen
            let attemptsByDelivery = Dictionary(deliveries.map { ($0.deliveryNumber, $0.attempts) }, uniquingKeysWith: { first, _ in first })
            #expect(seen.count == attemptsByDelivery.values.reduce(0, +))
            #expect(seen.allSatisfy { $0.signatureValid && $0.bodyHashValid })
            #expect(seen.allSatisfy { $0.contentType == "application/json" })
            let expectedAuth = "Basic " + Data("alice:s3cret".utf8).base64EncodedString()
            #expect(seen.allSatisfy { $0.authorization == expectedAuth })
            // Re-sends carry the same bytes: every body was seen at least twice.
            let bodies = Dictionary(grouping: seen, by: \.body)
            #expect(bodies.count == 3 && bodies.values.allSatisfy { $0.count >= 2 })
            let batch = try #require(bodies.keys.first { $0.first == UInt8(ascii: "[") })
            let array = try #require(try JSONSerialization.jsonObject(with: Data(batch)) as? [[String: Any]])
            #expect(array.count == 3)
            for event in deliveries where event.batched {
                #expect(String(decoding: batch, as: UTF8.self).contains(event.json))
            }

            let stats = await simulator.stats()
            #expect(stats.deliveriesSent == 3 && stats.deliveriesAcknowledged == 3 && stats.deliveryAttempts >= 6)
            let ndjson = try await get(simulator, "/simulator/deliveries", credentials: .none)
            let lines = ndjson.text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(lines.count == 5)
            #expect(lines.allSatisfy { $0["acknowledged"] as? Bool == true && ($0["attempts"] as? Int ?? 0) >= 2 && $0["event"] is [String: Any] })
        }
        await receiver.stop()
    }

    @Test("a 400 answer discards the delivery: acknowledged false, one attempt")
    func rejectedIsDiscarded() async throws {
        let receiver = WebhookReceiver(mode: .reject, authToken: "simulator-auth-token")
        try await receiver.start()
        var configuration = quietConfiguration(days: 0, perDay: 0)
        configuration.webhookURL = "http://127.0.0.1:\(receiver.port)\(receiver.path)"
        try await withSimulator(configuration) { simulator in
            await simulator.sendDelivery(events: 4, batched: true)
            await simulator.waitUntilDeliveriesSettled()
            let deliveries = await simulator.deliveries()
            #expect(deliveries.count == 4)
            #expect(deliveries.allSatisfy { !$0.acknowledged && $0.attempts == 1 })
            #expect(receiver.seen.count == 1 && receiver.seen.allSatisfy { $0.signatureValid && $0.authorization == nil })
            #expect(await simulator.stats().deliveriesDiscarded == 1)
        }
        await receiver.stop()
    }

    /// How the receiver answers a delivery's first attempt, and whether Twilio (the simulator) retries it.
    struct FirstAnswer: Sendable, CustomTestStringConvertible {
        var mode: WebhookReceiver.Mode
        var retried: Bool
        var testDescription: String
    }

    @Test("429 with or without Retry-After, 5xx and an answer slower than 5 s are retried until acknowledged; other 4xx discard",
          arguments: [
              FirstAnswer(mode: .firstAttemptAnswers(status: 429, retryAfter: "1"), retried: true, testDescription: "429 with Retry-After"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 429, retryAfter: nil), retried: true, testDescription: "429 without Retry-After"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 500, retryAfter: nil), retried: true, testDescription: "500"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 502, retryAfter: nil), retried: true, testDescription: "502"),
              FirstAnswer(mode: .firstAttemptSlow(.seconds(6)), retried: true, testDescription: "no answer within 5 s"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 401, retryAfter: nil), retried: false, testDescription: "401"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 403, retryAfter: nil), retried: false, testDescription: "403"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 413, retryAfter: nil), retried: false, testDescription: "413"),
              FirstAnswer(mode: .firstAttemptAnswers(status: 415, retryAfter: nil), retried: false, testDescription: "415"),
          ])
    func retryRules(answer: FirstAnswer) async throws {
        let receiver = WebhookReceiver(mode: answer.mode, authToken: "simulator-auth-token")
        try await receiver.start()
        var configuration = quietConfiguration(days: 0, perDay: 0)
        configuration.webhookURL = "http://127.0.0.1:\(receiver.port)\(receiver.path)"
        try await withSimulator(configuration) { simulator in
            await simulator.sendDelivery(events: 2, batched: true)
            await simulator.waitUntilDeliveriesSettled()
            let deliveries = await simulator.deliveries()
            #expect(deliveries.count == 2)
            if answer.retried {
                #expect(deliveries.allSatisfy { $0.acknowledged && $0.attempts == 2 })
                #expect(receiver.seen.count == 2 && Set(receiver.seen.map(\.body)).count == 1, "the retry carries the same body")
            } else {
                #expect(deliveries.allSatisfy { !$0.acknowledged && $0.attempts == 1 })
                #expect(receiver.seen.count == 1)
            }
        }
        await receiver.stop()
    }

    @Test("background generation delivers at the configured rate, single and batched, until paused")
    func backgroundDeliveries() async throws {
        let receiver = WebhookReceiver(mode: .accept, authToken: "simulator-auth-token")
        try await receiver.start()
        var configuration = quietConfiguration(days: 0, perDay: 0)
        configuration.webhookURL = "http://127.0.0.1:\(receiver.port)\(receiver.path)"
        configuration.webhookEventsPerMinute = 12_000
        try await withSimulator(configuration) { simulator in
            let deadline = ContinuousClock.now + .seconds(30)
            while await simulator.stats().deliveriesAcknowledged < 15, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            await simulator.pauseDeliveries()
            await simulator.waitUntilDeliveriesSettled()
            let deliveries = await simulator.deliveries()
            #expect(deliveries.allSatisfy { $0.acknowledged && $0.attempts == 1 })
            #expect(Set(deliveries.map(\.deliveryNumber)).count >= 15)
            #expect(deliveries.contains { $0.batched } && deliveries.contains { !$0.batched })
            #expect(receiver.seen.allSatisfy { $0.signatureValid && $0.bodyHashValid })
            #expect(Set(deliveries.map(\.id)).count == deliveries.count)
        }
        await receiver.stop()
    }

    @Test("generated CloudEvents follow the published shapes; bursts come from one address in batches")
    func cloudEventShapes() throws {
        var generator = CloudEventGenerator(seed: 3, accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        let events = generator.makeEvents(count: 400, nowMs: 1_795_176_000_000)
        #expect(Set(events.map(\.id)).count == 400)
        var types: Set<String> = []
        var sawTime = false, sawPublishedStyle = false
        for event in events {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any])
            #expect(json["specversion"] as? String == "1.0" && json["id"] as? String == event.id)
            types.insert(event.type)
            guard event.type.hasPrefix("com.twilio.iam.ip.blocked") else { continue }
            let data = try #require(json["data"] as? [String: Any])
            #expect(Int(data["timestamp"] as? String ?? "") != nil)
            let keyed = data["authentication_method"] as? String == "API Key"
            #expect((data["auth_sid"] != nil) == keyed)
            if json["time"] != nil { sawTime = true; #expect(json["datacontenttype"] as? String == "application/json") }
            else { sawPublishedStyle = true; #expect((json["datacontenttype"] as? String)?.hasSuffix("Z") == true) }
        }
        #expect(types.isSuperset(of: ["com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked.dryrun",
                                      "com.twilio.messaging.message.sent", "com.twilio.voice.insights.call-summary.complete"]))
        #expect(sawTime && sawPublishedStyle)

        let burst = generator.makeBurst(nowMs: 1_795_176_000_000)
        #expect(burst.count == 4 && burst.allSatisfy { $0.count == 50 })
        let addresses = try Set(burst.joined().map { event -> String in
            let json = try #require(try JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any])
            #expect(event.type == "com.twilio.iam.ip.blocked")
            return (json["data"] as? [String: Any])?["address"] as? String ?? ""
        })
        #expect(addresses.count == 1)

        var again = CloudEventGenerator(seed: 3, accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        #expect(again.makeEvents(count: 400, nowMs: 1_795_176_000_000).map(\.json) == events.map(\.json))
    }
}
