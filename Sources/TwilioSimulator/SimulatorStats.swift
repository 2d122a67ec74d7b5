/// Counters of one simulator run, as `GET /simulator/stats` returns them.
package struct SimulatorStats: Sendable, Codable, Equatable {
    /// Every `/v1/Events*` request, including faulted and unauthorised ones.
    package var requests: Int
    /// `GET /v1/Events` requests.
    package var listRequests: Int
    /// `GET /v1/Events/{Sid}` requests.
    package var fetchRequests: Int
    /// Requests answered 401.
    package var unauthorizedRequests: Int
    /// Injected faults by kind (`"429"`, `"500"`, `"503"`, `"slow"`, `"reset"`, `"truncate"`).
    package var faultsInjected: [String: Int]
    /// Requests answered 429 (20429) because more than `maxConcurrentRequests` were in flight.
    package var concurrencyRefusals: Int = 0
    /// Monitor events visible now.
    package var visibleEvents: Int
    /// Monitor events generated but not visible yet.
    package var pendingEvents: Int
    /// Event Streams deliveries (HTTP request bodies) sent at least once.
    package var deliveriesSent: Int
    /// Deliveries answered 2xx.
    package var deliveriesAcknowledged: Int
    /// Deliveries answered with a 4xx other than 429 (Twilio drops those).
    package var deliveriesDiscarded: Int
    /// HTTP attempts over all deliveries, retries included.
    package var deliveryAttempts: Int
    /// CloudEvents generated and sent (sink test events included).
    package var cloudEventsGenerated: Int
    /// CloudEvents generated that no subscription selected, so were never sent.
    package var cloudEventsUnsubscribed: Int = 0
    /// Every Events API request (`/v1/Sinks`, `/v1/Subscriptions`, `/v1/Types`), refused ones included.
    package var eventsAPIRequests: Int = 0
    /// Events API requests that could change something (POST, DELETE).
    package var eventsAPIWrites: Int = 0
}

/// The Events API's state: sinks and subscriptions, as tests read it.
package struct SimulatedEventStreamsSetup: Sendable, Equatable {
    package var sinks: [SimulatedSink]
    package var subscriptions: [SimulatedSubscription]
}

/// One sink of the Events API.
package struct SimulatedSink: Sendable, Equatable {
    package var sid: String
    /// `initialized`, `validating`, `active` or `failed`.
    package var status: String
    /// A webhook sink's URL as requested (without any `user:pass@`).
    package var destination: String?
    package var batchEvents: Bool
    package var description: String
}

/// One subscription of the Events API, with its types and their schema versions.
package struct SimulatedSubscription: Sendable, Equatable {
    package var sid: String
    package var sinkSid: String
    package var types: [String: Int]
    package var receiveEventsFromSubaccounts: Bool
}

/// One CloudEvent the simulator generated for Event Streams, and what became of it.
package struct SimulatedDelivery: Sendable, Equatable {
    /// CloudEvent `id`.
    package var id: String
    /// CloudEvent `source`.
    package var source: String
    /// CloudEvent `type`.
    package var type: String
    /// The event object exactly as sent (inside the array for a batched delivery).
    package var json: String
    /// True once the receiver answered 2xx for the delivery that carried it.
    package var acknowledged: Bool
    /// HTTP attempts made for the delivery that carried it.
    package var attempts: Int
    /// Which delivery (HTTP body) carried it; events of one batch share it.
    package var deliveryNumber: Int
    /// Whether that body was a JSON array (batched sink) rather than one object.
    package var batched: Bool
}
