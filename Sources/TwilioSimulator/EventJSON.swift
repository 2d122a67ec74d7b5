/// Serialises ``EventRecord``s as the JSON objects Twilio's Monitor API returns, by copying
/// pre-rendered catalog fragments: a 1000-event page is a few hundred kilobytes of appends.
struct EventJSON: Sendable {
    let catalog: EventCatalog
    /// `{baseURL}/v1/Events/` as bytes.
    let eventURLPrefix: [UInt8]

    init(catalog: EventCatalog, baseURL: String) {
        self.catalog = catalog
        self.eventURLPrefix = Array((baseURL + "/v1/Events/").utf8)
    }

    /// Appends one event object (no trailing newline).
    func append(_ record: EventRecord, to writer: inout JSONWriter) {
        let type = EventTypes.eventTypes[Int(record.eventType)]
        let resource = catalog.resources[Int(record.resource)]
        let hasActor = record.actor != EventCatalog.noIndex
        let variant = Int(record.variant)

        writer.raw("{\"account_sid\":")
        writer.raw(catalog.accountJSON)
        writer.raw(",\"actor_sid\":")
        if hasActor { writer.raw(catalog.actors[Int(record.actor)].json) } else { writer.raw("null") }
        writer.raw(",\"actor_type\":\"")
        writer.raw(record.source.actorTypeBytes)
        writer.raw("\",\"description\":")
        let descriptions = catalog.descriptions[Int(record.eventType)]
        writer.raw(descriptions[variant % descriptions.count])
        writer.raw(",\"event_data\":")
        let data = catalog.eventData[Int(type.action.rawValue)]
        writer.raw(data[(variant >> 4) % data.count])
        writer.raw(",\"event_date\":\"")
        CivilTime.appendTimestamp(record.date, to: &writer.bytes)
        writer.raw("\",\"event_type\":")
        writer.raw(catalog.eventTypeJSON[Int(record.eventType)])
        writer.raw(",\"resource_sid\":")
        writer.raw(resource.json)
        writer.raw(",\"resource_type\":")
        writer.raw(catalog.resourceTypeJSON[resource.typeIndex])
        writer.raw(",\"sid\":\"AE")
        record.sid.appendHex(to: &writer.bytes)
        writer.raw("\",\"source\":\"")
        writer.raw(record.source.nameBytes)
        writer.raw("\",\"source_ip_address\":")
        if record.ip != EventCatalog.noIndex { writer.raw(catalog.ipJSON[Int(record.ip)]) } else { writer.raw("null") }
        writer.raw(",\"url\":\"")
        writer.raw(eventURLPrefix)
        writer.raw("AE")
        record.sid.appendHex(to: &writer.bytes)
        writer.raw("\",\"links\":")
        if (variant >> 8) % 25 == 0 {
            writer.raw("null")
        } else {
            writer.raw("{\"actor\":")
            if hasActor { writer.raw(catalog.actors[Int(record.actor)].linkJSON) } else { writer.raw("null") }
            writer.raw(",\"resource\":")
            writer.raw(resource.linkJSON)
            writer.raw("}")
        }
        writer.raw("}")
    }

    /// One event object as bytes.
    func object(_ record: EventRecord) -> [UInt8] {
        var writer = JSONWriter(capacity: 900)
        append(record, to: &writer)
        return writer.bytes
    }

    /// NDJSON lines for a run of records (each object followed by `\n`).
    func lines(_ records: some Sequence<EventRecord>, capacityHint: Int = 0) -> [UInt8] {
        var writer = JSONWriter(capacity: max(1024, capacityHint * 800))
        for record in records {
            append(record, to: &writer)
            writer.byte(UInt8(ascii: "\n"))
        }
        return writer.bytes
    }
}

extension EventSource {
    private static let names: [[UInt8]] = [Array("api".utf8), Array("web".utf8), Array("twilio".utf8)]
    private static let actorTypes: [[UInt8]] = [Array("account".utf8), Array("user".utf8), Array("twilio-admin".utf8)]

    var nameBytes: [UInt8] { EventSource.names[Int(rawValue)] }
    var actorTypeBytes: [UInt8] { EventSource.actorTypes[Int(rawValue)] }
}
