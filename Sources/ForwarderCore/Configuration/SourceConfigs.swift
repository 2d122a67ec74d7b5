/// Where events come from; at least one source is configured.
public struct SourcesConfig: Sendable, Equatable {
    public var monitor: MonitorSourceConfig?
    public var eventStreams: EventStreamsSourceConfig?
    /// A JetStream stream other forwarders publish into (the SIEM side of the bus).
    public var nats: NATSSourceConfig?

    public init(monitor: MonitorSourceConfig? = nil, eventStreams: EventStreamsSourceConfig? = nil, nats: NATSSourceConfig? = nil) {
        self.monitor = monitor
        self.eventStreams = eventStreams
        self.nats = nats
    }
}

/// Polling the Twilio Monitor Events API with Basic auth (account SID or API key SID and its secret).
public struct MonitorSourceConfig: Sendable, Equatable {
    /// http or https URL without a trailing slash.
    public var baseURL: String
    /// `AC` followed by 32 hex digits.
    public var accountSid: String
    /// Basic-auth user: the account SID or an API key SID (`SK…`).
    public var username: String
    /// Basic-auth password: the auth token or the API key secret.
    public var password: String
    public var pollInterval: Duration
    /// How far back each poll looks again for events that became visible late.
    public var lookback: Duration
    /// 1...1000.
    public var pageSize: Int
    /// Where the first poll starts when there is no saved cursor.
    public var start: MonitorStart
    public var requestTimeout: Duration
    public var retry: RetryConfig

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(baseURL: String? = nil, accountSid: String, username: String? = nil, password: String,
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
public enum MonitorStart: Sendable, Equatable {
    /// `start_from`: a UTC date (midnight) or an RFC 3339 timestamp, as Unix epoch milliseconds.
    case from(epochMilliseconds: Int64)
    /// `backfill`: this long before the first start.
    case backfill(Duration)
}

/// Receiving Twilio Event Streams webhook deliveries on the server's listener.
public struct EventStreamsSourceConfig: Sendable, Equatable {
    /// URL path of the webhook route; starts with "/".
    public var path: String
    /// The URL Twilio posts to, exactly as configured in the sink (the signature covers it).
    public var publicURL: String?
    /// The auth token that signs deliveries (`X-Twilio-Signature`).
    public var authToken: String?
    /// Accepts unsigned deliveries; for local testing only.
    public var insecureSkipSignature: Bool
    public var maxBodyBytes: Int
    /// How long after an event's time its delivery may still arrive and be released in order:
    /// the receiver's watermark trails the clock by this much.
    public var allowedDelay: Duration
    public var basicAuth: BasicAuthConfig?
    /// Client address ranges allowed to post; empty allows every address.
    public var allowCIDRs: [CIDRBlock]
    /// Deliveries waiting to be journaled before new ones are answered 429.
    public var maxPendingRequests: Int
    /// What `event-streams setup` creates at Twilio for this receiver.
    public var setup: EventStreamsSetupConfig

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(path: String? = nil, publicURL: String? = nil, authToken: String? = nil, insecureSkipSignature: Bool? = nil,
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
public struct EventStreamsSetupConfig: Sendable, Equatable {
    /// The event types to subscribe the sink to (`subscribe`), in order, each type once.
    public var subscribe: [EventTypeSubscription]
    /// The Events API's base URL (`events_api_url`), without a trailing slash.
    public var eventsAPIURL: String
    /// Basic-auth user for the Events API (account SID or API key SID); nil: borrow `sources.monitor`'s.
    public var username: String?
    /// Basic-auth password for the Events API; nil: borrow `sources.monitor`'s.
    public var password: String?
    /// Whether the subscription also delivers the events of the account's subaccounts.
    public var receiveEventsFromSubaccounts: Bool
    /// Whether the sink sends events in batches (a JSON array per request) rather than one by one.
    public var batchEvents: Bool

    /// The two IAM types the forwarder exists for.
    public static let defaultTypes = [
        EventTypeSubscription(type: "com.twilio.iam.ip.blocked"),
        EventTypeSubscription(type: "com.twilio.iam.ip.blocked.dryrun"),
    ]

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(subscribe: [EventTypeSubscription]? = nil, eventsAPIURL: String? = nil, username: String? = nil,
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
public struct EventTypeSubscription: Sendable, Equatable, Hashable {
    public var type: String
    public var schemaVersion: Int?

    public init(type: String, schemaVersion: Int? = nil) {
        self.type = type
        self.schemaVersion = schemaVersion
    }
}

/// HTTP Basic credentials a webhook delivery must carry.
public struct BasicAuthConfig: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}
