import ForwarderCore

/// A sink as the Events API returns it (`events.v1.sink`): what setup and status read.
package struct EventStreamsSink: Sendable, Equatable {
    package var sid: String
    package var description: String
    /// `webhook`, `kinesis`, `segment` or `email`.
    package var sinkType: String
    /// `initialized`, `validating`, `active` or `failed`.
    package var status: String
    /// A webhook sink's `sink_configuration.destination`.
    package var destination: String?
    package var method: String?
    /// A webhook sink's `sink_configuration.batch_events` (nil when absent).
    package var batchEvents: Bool?
    package var dateCreated: Timestamp?

    package init(sid: String, description: String, sinkType: String, status: String, destination: String?,
                 method: String? = "POST", batchEvents: Bool? = true, dateCreated: Timestamp? = nil) {
        self.sid = sid
        self.description = description
        self.sinkType = sinkType
        self.status = status
        self.destination = destination
        self.method = method
        self.batchEvents = batchEvents
        self.dateCreated = dateCreated
    }

    init?(json: JSONValue) {
        guard let sid = json["sid"]?.stringValue else { return nil }
        let configuration = json["sink_configuration"]
        self.init(sid: sid, description: json["description"]?.stringValue ?? "", sinkType: json["sink_type"]?.stringValue ?? "",
                  status: json["status"]?.stringValue ?? "", destination: configuration?["destination"]?.stringValue,
                  method: configuration?["method"]?.stringValue, batchEvents: configuration?["batch_events"]?.boolValue,
                  dateCreated: json["date_created"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
    }
}

/// A subscription (`events.v1.subscription`) with the event types it delivers.
package struct EventStreamsSubscription: Sendable, Equatable {
    package var sid: String
    package var description: String
    package var sinkSid: String
    /// nil when the API does not say (older versions of the resource).
    package var receiveEventsFromSubaccounts: Bool?
    /// Its subscribed events (`…/SubscribedEvents`), in the order the API lists them.
    package var types: [SubscribedEventType]

    package init(sid: String, description: String, sinkSid: String, receiveEventsFromSubaccounts: Bool? = false,
                 types: [SubscribedEventType] = []) {
        self.sid = sid
        self.description = description
        self.sinkSid = sinkSid
        self.receiveEventsFromSubaccounts = receiveEventsFromSubaccounts
        self.types = types
    }

    init?(json: JSONValue) {
        guard let sid = json["sid"]?.stringValue else { return nil }
        self.init(sid: sid, description: json["description"]?.stringValue ?? "", sinkSid: json["sink_sid"]?.stringValue ?? "",
                  receiveEventsFromSubaccounts: json["receive_events_from_subaccounts"]?.boolValue)
    }
}

/// One subscribed event type and the schema version Twilio delivers it in.
package struct SubscribedEventType: Sendable, Equatable {
    package var type: String
    package var schemaVersion: Int?

    package init(type: String, schemaVersion: Int?) {
        self.type = type
        self.schemaVersion = schemaVersion
    }

    init?(json: JSONValue) {
        guard let type = json["type"]?.stringValue else { return nil }
        self.init(type: type, schemaVersion: json["schema_version"]?.scalarText.flatMap { Int($0) })
    }

    /// `com.twilio.iam.ip.blocked (schema version 2)`.
    package var text: String {
        type + (schemaVersion.map { " (schema version \($0))" } ?? "")
    }
}

extension JSONValue {
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
