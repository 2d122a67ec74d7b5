/// Counters of one simulator run, as `GET /simulator/stats` returns them.
public struct SimulatorStats: Sendable, Codable, Equatable {
    /// Every `/v1/Events*` request, including faulted and unauthorised ones.
    public var requests: Int
    /// `GET /v1/Events` requests.
    public var listRequests: Int
    /// `GET /v1/Events/{Sid}` requests.
    public var fetchRequests: Int
    /// Requests answered 401.
    public var unauthorizedRequests: Int
    /// Injected faults by kind (`"429"`, `"500"`, `"503"`, `"slow"`, `"reset"`, `"truncate"`).
    public var faultsInjected: [String: Int]
    /// Requests answered 429 (20429) because more than `maxConcurrentRequests` were in flight.
    public var concurrencyRefusals: Int = 0
    /// Monitor events visible now.
    public var visibleEvents: Int
    /// Monitor events generated but not visible yet.
    public var pendingEvents: Int
    /// Event Streams deliveries (HTTP request bodies) sent at least once.
    public var deliveriesSent: Int
    /// Deliveries answered 2xx.
    public var deliveriesAcknowledged: Int
    /// Deliveries answered with a 4xx other than 429 (Twilio drops those).
    public var deliveriesDiscarded: Int
    /// HTTP attempts over all deliveries, retries included.
    public var deliveryAttempts: Int
    /// CloudEvents generated and sent (sink test events included).
    public var cloudEventsGenerated: Int
    /// CloudEvents generated that no subscription selected, so were never sent.
    public var cloudEventsUnsubscribed: Int = 0
    /// Every Events API request (`/v1/Sinks`, `/v1/Subscriptions`, `/v1/Types`), refused ones included.
    public var eventsAPIRequests: Int = 0
    /// Events API requests that could change something (POST, DELETE).
    public var eventsAPIWrites: Int = 0
}

/// The Events API's state: sinks and subscriptions, as tests read it.
public struct SimulatedEventStreamsSetup: Sendable, Equatable {
    public var sinks: [SimulatedSink]
    public var subscriptions: [SimulatedSubscription]
}

/// One sink of the Events API.
public struct SimulatedSink: Sendable, Equatable {
    public var sid: String
    /// `initialized`, `validating`, `active` or `failed`.
    public var status: String
    /// A webhook sink's URL as requested (without any `user:pass@`).
    public var destination: String?
    public var batchEvents: Bool
    public var description: String
}

/// One subscription of the Events API, with its types and their schema versions.
public struct SimulatedSubscription: Sendable, Equatable {
    public var sid: String
    public var sinkSid: String
    public var types: [String: Int]
    public var receiveEventsFromSubaccounts: Bool
}

/// One CloudEvent the simulator generated for Event Streams, and what became of it.
public struct SimulatedDelivery: Sendable, Equatable {
    /// CloudEvent `id`.
    public var id: String
    /// CloudEvent `source`.
    public var source: String
    /// CloudEvent `type`.
    public var type: String
    /// The event object exactly as sent (inside the array for a batched delivery).
    public var json: String
    /// True once the receiver answered 2xx for the delivery that carried it.
    public var acknowledged: Bool
    /// HTTP attempts made for the delivery that carried it.
    public var attempts: Int
    /// Which delivery (HTTP body) carried it; events of one batch share it.
    public var deliveryNumber: Int
    /// Whether that body was a JSON array (batched sink) rather than one object.
    public var batched: Bool
}
