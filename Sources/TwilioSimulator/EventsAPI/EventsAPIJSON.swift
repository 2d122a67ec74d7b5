/// The Events API's resources as JSON, member for member as the spec's examples show them,
/// with URLs on the simulator's base URL.
struct EventsAPIJSON: Sendable {
    var baseURL: String
    var accountSid: String

    func sink(_ sink: SinkRecord) -> JSONValue {
        let url = "\(baseURL)/v1/Sinks/\(sink.sid)"
        return .object([
            ("status", .string(sink.status.rawValue)),
            ("sink_configuration", .object(sink.configuration)),
            ("description", .string(sink.description)),
            ("sid", .string(sink.sid)),
            ("date_created", .string(CivilTime.timestamp(sink.created))),
            ("sink_type", .string(sink.sinkType)),
            ("date_updated", .string(CivilTime.timestamp(sink.updated))),
            ("url", .string(url)),
            ("links", .object([("sink_test", .string(url + "/Test")), ("sink_validate", .string(url + "/Validate"))])),
        ])
    }

    func subscription(_ subscription: SubscriptionRecord) -> JSONValue {
        let url = "\(baseURL)/v1/Subscriptions/\(subscription.sid)"
        return .object([
            ("account_sid", .string(accountSid)),
            ("date_created", .string(CivilTime.timestamp(subscription.created))),
            ("date_updated", .string(CivilTime.timestamp(subscription.updated))),
            ("sid", .string(subscription.sid)),
            ("sink_sid", .string(subscription.sinkSid)),
            ("description", .string(subscription.description)),
            ("url", .string(url)),
            ("links", .object([("subscribed_events", .string(url + "/SubscribedEvents"))])),
            ("receive_events_from_subaccounts", .bool(subscription.receiveEventsFromSubaccounts)),
        ])
    }

    func subscribedEvent(_ type: SubscribedType, subscription: String) -> JSONValue {
        .object([
            ("account_sid", .string(accountSid)),
            ("type", .string(type.type)),
            ("schema_version", .int(Int64(type.schemaVersion))),
            ("subscription_sid", .string(subscription)),
            ("url", .string("\(baseURL)/v1/Subscriptions/\(subscription)/SubscribedEvents/\(type.type)")),
        ])
    }

    func eventType(_ entry: EventTypeEntry) -> JSONValue {
        .object([
            ("date_created", .string(CivilTime.timestamp(entry.dateSeconds))),
            ("date_updated", .string(CivilTime.timestamp(entry.dateSeconds))),
            ("type", .string(entry.type)),
            ("schema_id", .string(entry.schemaID)),
            ("status", .string(entry.status)),
            ("documentation_url", .null),
            ("description", .string(entry.description)),
            ("url", .string("\(baseURL)/v1/Types/\(entry.type)")),
            ("links", .object([("schema", .string("\(baseURL)/v1/Schemas/\(entry.schemaID)/Versions"))])),
        ])
    }

    /// `{"<key>": [...], "meta": {...}}` for one page of `items` (each with its sort key).
    func page(key: String, path: String, filters: [(String, String)], paging: ListPaging,
              items: [(key: String, json: JSONValue)]) -> [UInt8] {
        let sorted = items.sorted { $0.key < $1.key }
        let keys = sorted.map(\.key)
        let range = paging.select(keys).range
        return JSONValue.object([
            (key, .array(sorted[range].map(\.json))),
            ("meta", paging.meta(key: key, listURL: baseURL + path, filters: filters, keys: keys)),
        ]).rendered
    }
}
