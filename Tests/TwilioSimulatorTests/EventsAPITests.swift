import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import TwilioSimulator

/// A form-encoded request to the simulator's Events API, as Twilio's clients send it.
func send(_ simulator: TwilioSimulator, _ method: HTTPMethod, _ path: String, form: [(String, String)] = [],
          credentials: Credentials = .account) async throws -> HTTPResult {
    var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : simulator.baseURL + path)
    request.method = method
    if let header = credentials.header(simulator.configuration) { request.headers.add(name: "Authorization", value: header) }
    if method == .POST {
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: QueryString.build(form)))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 1 << 20)
    return HTTPResult(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Array(buffer: body))
}

/// `POST /v1/Sinks` for a webhook sink at `destination`; its JSON.
func createWebhookSink(_ simulator: TwilioSimulator, destination: String, batch: Bool = true) async throws -> [String: Any] {
    let result = try await send(simulator, .POST, "/v1/Sinks", form: [
        ("Description", "test sink"), ("SinkType", "webhook"),
        ("SinkConfiguration", #"{"destination":"\#(destination)","method":"POST","batch_events":\#(batch)}"#),
    ])
    #expect(result.status == 201, "\(result.text)")
    return result.json ?? [:]
}

@Suite("Events API: sinks, tests, validation and subscriptions as Twilio's spec describes them")
struct EventsAPITests {
    @Test("a webhook sink is created active with a DG sid, listed with Twilio's paging meta, fetched, updated and deleted")
    func sinkLifecycle() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let sink = try await createWebhookSink(simulator, destination: "https://forwarder.example.com/hook")
            let sid = try #require(sink["sid"] as? String)
            #expect(sid.hasPrefix("DG") && sid.count == 34)
            #expect(sink["status"] as? String == "active")
            #expect(sink["sink_type"] as? String == "webhook")
            #expect((sink["sink_configuration"] as? [String: Any])?["destination"] as? String == "https://forwarder.example.com/hook")
            #expect((sink["links"] as? [String: Any])?["sink_test"] as? String == "\(simulator.baseURL)/v1/Sinks/\(sid)/Test")

            let list = try await get(simulator, "/v1/Sinks?PageSize=10")
            let meta = try #require(list.json?["meta"] as? [String: Any])
            #expect(meta["key"] as? String == "sinks" && meta["page"] as? Int == 0 && meta["page_size"] as? Int == 10)
            #expect(meta["first_page_url"] as? String == "\(simulator.baseURL)/v1/Sinks?PageSize=10&Page=0")
            #expect(meta["next_page_url"] is NSNull && meta["previous_page_url"] is NSNull)
            #expect((list.json?["sinks"] as? [[String: Any]])?.count == 1)

            let updated = try await send(simulator, .POST, "/v1/Sinks/\(sid)", form: [("Description", "renamed")])
            #expect(updated.status == 200 && updated.json?["description"] as? String == "renamed")
            #expect(try await send(simulator, .DELETE, "/v1/Sinks/\(sid)").status == 204)
            let gone = try await get(simulator, "/v1/Sinks/\(sid)")
            #expect(gone.status == 404 && gone.json?["code"] as? Int == 20404)
        }
    }

    @Test("requests without the account's credentials are answered 401 with Twilio's error 20003",
          arguments: [Credentials.none, .wrongPassword])
    func unauthorized(credentials: Credentials) async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let result = try await send(simulator, .POST, "/v1/Sinks", form: [("Description", "x")], credentials: credentials)
            #expect(result.status == 401 && result.json?["code"] as? Int == 20003)
            #expect(await simulator.eventStreamsSetup().sinks.isEmpty)
        }
    }

    @Test("a missing or wrong parameter is answered 400 in Twilio's shape, naming it",
          arguments: [
            ([("SinkType", "webhook"), ("SinkConfiguration", "{}")], "Description"),
            ([("Description", "d"), ("SinkType", "webhook")], "SinkConfiguration"),
            ([("Description", "d"), ("SinkType", "carrier-pigeon"), ("SinkConfiguration", "{}")], "SinkType"),
            ([("Description", "d"), ("SinkType", "webhook"), ("SinkConfiguration", #"{"method":"POST"}"#)], "destination"),
            ([("Description", "d"), ("SinkType", "webhook"), ("SinkConfiguration", "not json")], "SinkConfiguration"),
          ])
    func badSinkParameters(form: [(String, String)], named: String) async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let result = try await send(simulator, .POST, "/v1/Sinks", form: form)
            #expect(result.status == 400, "\(result.text)")
            #expect(result.json?["code"] as? Int == 20001 && result.json?["status"] as? Int == 400)
            #expect((result.json?["message"] as? String)?.contains(named) == true, "\(result.text)")
        }
    }

    @Test("lists page through next_page_url with PageToken, and previous_page_url leads back")
    func paging() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            for index in 0..<7 { _ = try await createWebhookSink(simulator, destination: "https://example.com/\(index)") }
            var next: String? = "/v1/Sinks?PageSize=3"
            var seen: [String] = []
            var pages: [[String: Any]] = []
            while let url = next {
                let page = try await get(simulator, url)
                #expect(page.status == 200)
                seen += (page.json?["sinks"] as? [[String: Any]] ?? []).compactMap { $0["sid"] as? String }
                let meta = page.json?["meta"] as? [String: Any] ?? [:]
                pages.append(meta)
                next = meta["next_page_url"] as? String
            }
            #expect(pages.count == 3 && seen.count == 7 && Set(seen).count == 7 && seen == seen.sorted())
            #expect((pages[1]["next_page_url"] as? String)?.contains("PageToken=PA") == true)
            let back = try await get(simulator, try #require(pages[2]["previous_page_url"] as? String))
            #expect((back.json?["sinks"] as? [[String: Any]])?.compactMap { $0["sid"] as? String } == Array(seen[3..<6]))
        }
    }

    @Test("the test event reaches the sink's destination signed like every delivery, with Twilio's type and data.test_id; Validate takes only that id")
    func testAndValidate() async throws {
        let receiver = WebhookReceiver(mode: .accept, authToken: "simulator-auth-token")
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withSimulator(quietConfiguration()) { simulator in
            let sink = try await createWebhookSink(simulator, destination: "http://127.0.0.1:\(receiver.port)\(receiver.path)", batch: false)
            let sid = try #require(sink["sid"] as? String)
            let test = try await send(simulator, .POST, "/v1/Sinks/\(sid)/Test")
            #expect(test.status == 201 && test.json?["result"] as? String == "submitted")
            #expect(try await get(simulator, "/v1/Sinks/\(sid)").json?["status"] as? String == "validating")
            await simulator.waitUntilDeliveriesSettled()
            let seen = try #require(receiver.seen.first)
            #expect(seen.signatureValid && seen.bodyHashValid)
            let event = try #require(try JSONSerialization.jsonObject(with: Data(seen.body)) as? [String: Any])
            #expect(event["type"] as? String == "com.twilio.eventstreams.test-event")
            #expect(event["source"] as? String == "Sink" && event["id"] as? String == simulator.configuration.accountSid)
            let testID = try #require((event["data"] as? [String: Any])?["test_id"] as? String)

            let wrong = try await send(simulator, .POST, "/v1/Sinks/\(sid)/Validate", form: [("TestId", "not-the-id")])
            #expect(wrong.status == 400 && wrong.json?["code"] as? Int == 20001)
            #expect(try await send(simulator, .POST, "/v1/Sinks/\(sid)/Validate").status == 400, "TestId is required")
            #expect(try await get(simulator, "/v1/Sinks/\(sid)").json?["status"] as? String == "validating")
            let right = try await send(simulator, .POST, "/v1/Sinks/\(sid)/Validate", form: [("TestId", testID)])
            #expect(right.status == 201 && right.json?["result"] as? String == "valid")
            #expect(try await get(simulator, "/v1/Sinks/\(sid)").json?["status"] as? String == "active")
        }
    }

    @Test("a subscription is refused while its sink is not active, and for a type Twilio does not know")
    func subscriptionRules() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let sid = try #require(try await createWebhookSink(simulator, destination: "http://127.0.0.1:9/none")["sid"] as? String)
            _ = try await send(simulator, .POST, "/v1/Sinks/\(sid)/Test")
            let refused = try await send(simulator, .POST, "/v1/Subscriptions", form: [
                ("Description", "d"), ("SinkSid", sid), ("Types", #"{"type":"com.twilio.iam.ip.blocked"}"#),
            ])
            #expect(refused.status == 400 && (refused.json?["message"] as? String)?.contains("not active") == true, "\(refused.text)")

            let other = try #require(try await createWebhookSink(simulator, destination: "http://127.0.0.1:9/other")["sid"] as? String)
            let unknown = try await send(simulator, .POST, "/v1/Subscriptions", form: [
                ("Description", "d"), ("SinkSid", other), ("Types", #"{"type":"com.twilio.nothing.such"}"#),
            ])
            #expect(unknown.status == 400 && (unknown.json?["message"] as? String)?.contains("com.twilio.nothing.such") == true)
            #expect(await simulator.eventStreamsSetup().subscriptions.isEmpty)
        }
    }

    @Test("subscriptions get DF sids, their types the latest schema version unless given, and SubscribedEvents can add, change and remove types")
    func subscribedEvents() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let sink = try #require(try await createWebhookSink(simulator, destination: "http://127.0.0.1:9/hook")["sid"] as? String)
            let created = try await send(simulator, .POST, "/v1/Subscriptions", form: [
                ("Description", "iam"), ("SinkSid", sink), ("Types", #"{"type":"com.twilio.iam.ip.blocked"}"#),
                ("Types", #"{"type":"com.twilio.iam.ip.blocked.dryrun","schema_version":1}"#), ("ReceiveEventsFromSubaccounts", "true"),
            ])
            #expect(created.status == 201, "\(created.text)")
            let sid = try #require(created.json?["sid"] as? String)
            #expect(sid.hasPrefix("DF") && created.json?["sink_sid"] as? String == sink)
            #expect(created.json?["receive_events_from_subaccounts"] as? Bool == true)
            let types = try await get(simulator, "/v1/Subscriptions/\(sid)/SubscribedEvents")
            let versions = (types.json?["types"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) {
                $0[$1["type"] as? String ?? ""] = $1["schema_version"] as? Int
            }
            #expect(versions == ["com.twilio.iam.ip.blocked": 2, "com.twilio.iam.ip.blocked.dryrun": 1])
            #expect((types.json?["meta"] as? [String: Any])?["key"] as? String == "types")

            let added = try await send(simulator, .POST, "/v1/Subscriptions/\(sid)/SubscribedEvents", form: [("Type", "com.twilio.messaging.message.sent")])
            #expect(added.status == 201 && added.json?["schema_version"] as? Int == 4)
            let changed = try await send(simulator, .POST, "/v1/Subscriptions/\(sid)/SubscribedEvents/com.twilio.iam.ip.blocked.dryrun",
                                         form: [("SchemaVersion", "2")])
            #expect(changed.status == 200 && changed.json?["schema_version"] as? Int == 2)
            #expect(try await send(simulator, .DELETE, "/v1/Subscriptions/\(sid)/SubscribedEvents/com.twilio.messaging.message.sent").status == 204)
            #expect(await simulator.eventStreamsSetup().subscriptions.first?.types
                    == ["com.twilio.iam.ip.blocked": 2, "com.twilio.iam.ip.blocked.dryrun": 2])
            let bySink = try await get(simulator, "/v1/Subscriptions?SinkSid=\(sink)")
            #expect((bySink.json?["subscriptions"] as? [[String: Any]])?.count == 1)
            #expect(try await send(simulator, .DELETE, "/v1/Subscriptions/\(sid)").status == 204)
        }
    }

    @Test("/v1/Types lists the types with their schema, filtered by SchemaId, and fetches one")
    func types() async throws {
        try await withSimulator(quietConfiguration()) { simulator in
            let all = try await get(simulator, "/v1/Types")
            let names = (all.json?["types"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
            #expect(names.contains("com.twilio.iam.ip.blocked") && names.contains("com.twilio.iam.ip.blocked.dryrun"))
            let iam = try await get(simulator, "/v1/Types?SchemaId=Iam.IPBlocked")
            #expect((iam.json?["types"] as? [[String: Any]])?.compactMap { $0["type"] as? String } == ["com.twilio.iam.ip.blocked"])
            let one = try await get(simulator, "/v1/Types/com.twilio.iam.ip.blocked.dryrun")
            #expect(one.status == 200 && one.json?["schema_id"] as? String == "Iam.IPDryRunBlocked")
            #expect(try await get(simulator, "/v1/Types/com.twilio.nothing").status == 404)
        }
    }

    @Test("once a subscription exists, only its types reach the active sink, one per request when the sink does not batch")
    func onlySubscribedTypesAreDelivered() async throws {
        let receiver = WebhookReceiver(mode: .accept, authToken: "simulator-auth-token")
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withSimulator(quietConfiguration()) { simulator in
            let sink = try #require(try await createWebhookSink(
                simulator, destination: "http://127.0.0.1:\(receiver.port)\(receiver.path)", batch: false)["sid"] as? String)
            let created = try await send(simulator, .POST, "/v1/Subscriptions", form: [
                ("Description", "iam"), ("SinkSid", sink), ("Types", #"{"type":"com.twilio.iam.ip.blocked"}"#),
            ])
            #expect(created.status == 201)
            await simulator.sendDelivery(events: 60, batched: true)
            await simulator.waitUntilDeliveriesSettled()
            let deliveries = await simulator.deliveries()
            #expect(!deliveries.isEmpty && deliveries.allSatisfy { $0.type == "com.twilio.iam.ip.blocked" && !$0.batched && $0.acknowledged })
            #expect(receiver.seen.count == deliveries.count && receiver.seen.allSatisfy { $0.signatureValid })
            let stats = await simulator.stats()
            #expect(stats.cloudEventsUnsubscribed == 60 - deliveries.count && stats.cloudEventsUnsubscribed > 0)
        }
    }
}

@Suite("Delivery routing and list paging as pure values")
struct EventsAPIDecisionTests {
    static func event(_ number: Int, _ type: String) -> CloudEvent {
        CloudEvent(id: "EV\(number)", source: "s", type: type, json: [])
    }

    static let hook = try! WebhookURL(parsing: "http://127.0.0.1:1/a")
    static let other = try! WebhookURL(parsing: "http://127.0.0.1:1/b")

    @Test("routing: without subscriptions everything goes to the webhook URL as generated; with them, per sink and type",
          arguments: [
            (DeliveryRouting(fallback: hook, routes: nil), true, [3], 0),
            (DeliveryRouting(fallback: nil, routes: nil), true, [], 0),
            (DeliveryRouting(fallback: hook, routes: []), true, [], 3),
            (DeliveryRouting(fallback: hook, routes: [SinkRoute(destination: hook, batchEvents: true, types: ["a"])]), true, [2], 1),
            (DeliveryRouting(fallback: nil, routes: [SinkRoute(destination: hook, batchEvents: false, types: ["a"])]), true, [1, 1], 1),
            (DeliveryRouting(fallback: nil, routes: [SinkRoute(destination: hook, batchEvents: true, types: ["a"]),
                                                     SinkRoute(destination: other, batchEvents: true, types: ["a", "b"])]), false, [2, 3], 0),
          ])
    func routing(routing: DeliveryRouting, batched: Bool, sizes: [Int], unsubscribed: Int) {
        let events = [Self.event(1, "a"), Self.event(2, "b"), Self.event(3, "a")]
        let (requests, dropped) = routing.plan(events, batched: batched)
        #expect(requests.map(\.events.count) == sizes)
        #expect(dropped == unsubscribed)
        #expect(routing.hasTargets == !(routing.routes.map { $0.isEmpty } ?? (routing.fallback == nil)))
    }

    @Test("paging picks pages by index or token",
          arguments: [
            (ListPaging(pageSize: 2, page: 0, token: nil), 0..<2, true, false),
            (ListPaging(pageSize: 2, page: 2, token: nil), 4..<5, false, true),
            (ListPaging(pageSize: 2, page: 1, token: .after("b")), 2..<4, true, true),
            (ListPaging(pageSize: 2, page: 1, token: .before("e")), 2..<4, true, true),
            (ListPaging(pageSize: 10, page: 0, token: nil), 0..<5, false, false),
          ])
    func paging(paging: ListPaging, range: Range<Int>, hasNext: Bool, hasPrevious: Bool) {
        let selected = paging.select(["a", "b", "c", "d", "e"])
        #expect(selected.range == range && selected.hasNext == hasNext && selected.hasPrevious == hasPrevious)
    }

    @Test("store: a test makes the sink validating, the right id active again, a newer test replaces the older id")
    func testStateMachine() throws {
        var store = EventsAPIStore(seed: 1)
        let sink = try store.createSink(description: "d", sinkType: "webhook",
                                        configuration: .object([("destination", .string("https://x.example/h"))]), now: 1).get()
        #expect(sink.status == .active)
        let first = try store.beginTest(sink.sid, now: 2).get()
        let second = try store.beginTest(sink.sid, now: 3).get()
        #expect(first.testID != second.testID && store.sink(sink.sid)?.status == .validating)
        #expect((try? store.validate(sink.sid, testID: first.testID, now: 4).get()) == nil, "the older test id no longer counts")
        try store.validate(sink.sid, testID: second.testID, now: 5).get()
        #expect(store.sink(sink.sid)?.status == .active)
        #expect(first.testID.count == 36 && first.testID.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
    }
}
