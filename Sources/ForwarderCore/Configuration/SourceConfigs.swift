/// Where events come from; at least one source is configured.
package struct SourcesConfig: Sendable, Equatable {
    package var monitor: MonitorSourceConfig?
    package var eventStreams: EventStreamsSourceConfig?
    /// A JetStream stream other forwarders publish into (the SIEM side of the bus).
    package var nats: NATSSourceConfig?

    package init(monitor: MonitorSourceConfig? = nil, eventStreams: EventStreamsSourceConfig? = nil, nats: NATSSourceConfig? = nil) {
        self.monitor = monitor
        self.eventStreams = eventStreams
        self.nats = nats
    }
}

/// Polling the Twilio Monitor Events API with Basic auth (account SID or API key SID and its secret).
package struct MonitorSourceConfig: Sendable, Equatable {
    /// http or https URL without a trailing slash.
    package var baseURL: String
    /// `AC` followed by 32 hex digits.
    package var accountSid: String
    /// Basic-auth user: the account SID or an API key SID (`SK…`).
    package var username: String
    /// Basic-auth password: the auth token or the API key secret.
    package var password: String
    package var pollInterval: Duration
    /// How far back each poll looks again for events that became visible late.
    package var lookback: Duration
    /// 1...1000.
    package var pageSize: Int
    /// Where the first poll starts when there is no saved cursor.
    package var start: MonitorStart
    package var requestTimeout: Duration
    package var retry: RetryConfig

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(baseURL: String? = nil, accountSid: String, username: String? = nil, password: String,
                pollInterval: Duration? = nil, lookback: Duration? = nil, pageSize: Int? = nil, start: MonitorStart? = nil,
                requestTimeout: Duration? = nil, retry: RetryConfig? = nil) {
        self.baseURL = baseURL ?? "https://monitor.twilio.com"
        self.accountSid = accountSid
        self.username = username ?? accountSid
        self.password = password
        self.pollInterval = pollInterval ?? .seconds(60)
        self.lookback = lookback ?? .seconds(600)
        self.pageSize = pageSize ?? 1000
        self.start = start ?? .backfill(.seconds(86_400))
        self.requestTimeout = requestTimeout ?? .seconds(30)
        self.retry = retry ?? RetryConfig()
    }
}

/// Where the Monitor poller starts on first run: a fixed instant, or a span back from now.
package enum MonitorStart: Sendable, Equatable {
    /// `start_from`: a UTC date (midnight) or an RFC 3339 timestamp, as Unix epoch milliseconds.
    case from(epochMilliseconds: Int64)
    /// `backfill`: this long before the first start.
    case backfill(Duration)
}

/// Receiving Twilio Event Streams webhook deliveries on the server's listener.
package struct EventStreamsSourceConfig: Sendable, Equatable {
    /// URL path of the webhook route; starts with "/".
    package var path: String
    /// The URL Twilio posts to, exactly as configured in the sink (the signature covers it).
    package var publicURL: String?
    /// The auth token that signs deliveries (`X-Twilio-Signature`).
    package var authToken: String?
    /// Accepts unsigned deliveries; for local testing only.
    package var insecureSkipSignature: Bool
    package var maxBodyBytes: Int
    /// How long after an event's time its delivery may still arrive and be released in order:
    /// the receiver's watermark trails the clock by this much.
    package var allowedDelay: Duration
    package var basicAuth: BasicAuthConfig?
    /// Client address ranges allowed to post; empty allows every address.
    package var allowCIDRs: [CIDRBlock]
    /// Deliveries waiting to be journaled before new ones are answered 429.
    package var maxPendingRequests: Int
    /// What `event-streams setup` creates at Twilio for this receiver.
    package var setup: EventStreamsSetupConfig

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(path: String? = nil, publicURL: String? = nil, authToken: String? = nil, insecureSkipSignature: Bool? = nil,
                maxBodyBytes: Int? = nil, allowedDelay: Duration? = nil, basicAuth: BasicAuthConfig? = nil,
                allowCIDRs: [CIDRBlock]? = nil, maxPendingRequests: Int? = nil, setup: EventStreamsSetupConfig? = nil) {
        self.path = path ?? "/webhooks/event-streams"
        self.publicURL = publicURL
        self.authToken = authToken
        self.insecureSkipSignature = insecureSkipSignature ?? false
        self.maxBodyBytes = maxBodyBytes ?? 1 << 20
        self.allowedDelay = allowedDelay ?? .seconds(30)
        self.basicAuth = basicAuth
        self.allowCIDRs = allowCIDRs ?? []
        self.maxPendingRequests = maxPendingRequests ?? 256
        self.setup = setup ?? EventStreamsSetupConfig()
    }
}

/// The Twilio side of Event Streams that `siem-forwarder event-streams setup` creates and
/// `status` checks: a webhook sink for `public_url`, and one subscription to these types.
package struct EventStreamsSetupConfig: Sendable, Equatable {
    /// The event types to subscribe the sink to (`subscribe`), in order, each type once.
    package var subscribe: [EventTypeSubscription]
    /// The Events API's base URL (`events_api_url`), without a trailing slash.
    package var eventsAPIURL: String
    /// Basic-auth user for the Events API (account SID or API key SID); nil: borrow `sources.monitor`'s.
    package var username: String?
    /// Basic-auth password for the Events API; nil: borrow `sources.monitor`'s.
    package var password: String?
    /// Whether the subscription also delivers the events of the account's subaccounts.
    package var receiveEventsFromSubaccounts: Bool
    /// Whether the sink sends events in batches (a JSON array per request) rather than one by one.
    package var batchEvents: Bool

    /// The two IAM types the forwarder exists for.
    package static let defaultTypes = [
        EventTypeSubscription(type: "com.twilio.iam.ip.blocked"),
        EventTypeSubscription(type: "com.twilio.iam.ip.blocked.dryrun"),
    ]

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(subscribe: [EventTypeSubscription]? = nil, eventsAPIURL: String? = nil, username: String? = nil,
                password: String? = nil, receiveEventsFromSubaccounts: Bool? = nil, batchEvents: Bool? = nil) {
        self.subscribe = subscribe ?? Self.defaultTypes
        self.eventsAPIURL = eventsAPIURL ?? "https://events.twilio.com"
        self.username = username
        self.password = password
        self.receiveEventsFromSubaccounts = receiveEventsFromSubaccounts ?? false
        self.batchEvents = batchEvents ?? true
    }
}

/// One event type to subscribe to, and the schema version to receive it in (nil: Twilio's latest).
package struct EventTypeSubscription: Sendable, Equatable, Hashable {
    package var type: String
    package var schemaVersion: Int?

    package init(type: String, schemaVersion: Int? = nil) {
        self.type = type
        self.schemaVersion = schemaVersion
    }
}

/// HTTP Basic credentials a webhook delivery must carry.
package struct BasicAuthConfig: Sendable, Equatable {
    package var username: String
    package var password: String

    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}
