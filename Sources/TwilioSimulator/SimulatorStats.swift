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
    /// CloudEvents generated.
    public var cloudEventsGenerated: Int
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
