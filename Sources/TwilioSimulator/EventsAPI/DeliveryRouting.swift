/// Where generated CloudEvents go. While no subscription exists, every event goes to the
/// configured webhook URL (if any) in the shape the generator chose, as before the Events API
/// existed; once one exists, each active sink receives only the types its subscriptions name,
/// batched or one event per request as its `batch_events` says. A pure value.
struct DeliveryRouting: Sendable, Equatable {
    /// One request body to send: its events, where to, and whether it is a JSON array.
    struct Planned: Sendable {
        var target: WebhookURL
        var events: [CloudEvent]
        var batched: Bool
    }

    var fallback: WebhookURL?
    /// nil: no subscription exists.
    var routes: [SinkRoute]?

    /// Whether generated events would reach anyone (the generator idles otherwise).
    var hasTargets: Bool {
        if let routes { return !routes.isEmpty }
        return fallback != nil
    }

    /// The requests for one group of events the generator made (`batched`: as one array), and
    /// how many events no subscription selected.
    func plan(_ events: [CloudEvent], batched: Bool) -> (requests: [Planned], unsubscribed: Int) {
        guard let routes else {
            guard let fallback, !events.isEmpty else { return ([], 0) }
            return ([Planned(target: fallback, events: events, batched: batched)], 0)
        }
        var requests: [Planned] = []
        var selected = Set<Int>()
        for route in routes {
            let chosen = events.indices.filter { route.types.contains(events[$0].type) }
            selected.formUnion(chosen)
            guard !chosen.isEmpty else { continue }
            let picked = chosen.map { events[$0] }
            if route.batchEvents {
                requests.append(Planned(target: route.destination, events: picked, batched: true))
            } else {
                requests += picked.map { Planned(target: route.destination, events: [$0], batched: false) }
            }
        }
        return (requests, events.count - selected.count)
    }
}

extension CloudEvent {
    static let sinkTestType = "com.twilio.eventstreams.test-event"

    /// The event a sink test sends, as Twilio's Kinesis quickstart shows it: type
    /// `com.twilio.eventstreams.test-event`, source `Sink`, the account sid as `id`, and the test
    /// id in `data.test_id` (an object here: webhook sinks get JSON, not a string as Kinesis).
    static func sinkTest(testID: String, accountSid: String, nowMs: Int64) -> CloudEvent {
        let members: [(String, JSONValue)] = [
            ("specversion", .string("1.0")), ("type", .string(sinkTestType)), ("source", .string("Sink")),
            ("id", .string(accountSid)),
            ("dataschema", .string("https://events-schemas.twilio.com/EventStreams.TestSink/1.json")),
            ("datacontenttype", .string("application/json")),
            ("time", .string(CivilTime.timestamp(milliseconds: nowMs))),
            ("data", .object([("test_id", .string(testID))])),
        ]
        return CloudEvent(id: accountSid, source: "Sink", type: sinkTestType, json: JSONValue.object(members).rendered)
    }
}
