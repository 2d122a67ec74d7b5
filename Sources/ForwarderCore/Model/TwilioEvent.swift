/// Where an event came from: the Monitor Events REST API or an Event Streams webhook delivery.
package enum EventOrigin: Int, Sendable, Hashable, CaseIterable {
    case monitor = 0
    case eventStreams = 1

    /// The `event.dataset` value outputs use for this origin.
    package var dataset: String {
        switch self {
        case .monitor: "twilio.monitor"
        case .eventStreams: "twilio.event_streams"
        }
    }
}

/// Where an event's time was taken from; anything but `.event` is flagged in outputs.
package enum EventTimeSource: Int, Sendable, Hashable {
    /// Monitor `event_date` or CloudEvent `time`.
    case event = 0
    /// CloudEvent `data.timestamp` (epoch milliseconds as a string).
    case dataTimestamp = 1
    /// No usable time in the event: the moment the forwarder received it.
    case receipt = 2
}

/// One security or audit event from either source, as the journal stores it and outputs encode it.
///
/// The interpreted fields are what encoders map to SIEM fields; `raw` is the original JSON object
/// exactly as Twilio sent it, so nothing the forwarder does not understand is ever lost.
package struct TwilioEvent: Sendable, Equatable {
    /// Monitor `sid` (`AE…`) or CloudEvent `id`.
    package var id: String
    /// The Monitor sid, or CloudEvent `source` + `id`: with the event's own time, what the journal
    /// deduplicates by (``dedupIdentity``).
    package var dedupKey: String
    package var time: Timestamp
    package var timeSource: EventTimeSource
    package var origin: EventOrigin
    /// Monitor `event_type` or CloudEvent `type`; `unknown` when absent.
    package var type: String
    package var accountSid: String?
    /// Monitor `actor_sid`, or for IAM events the API key / credential sid (`auth_sid`).
    package var actorSid: String?
    /// Monitor `actor_type` (`user`, `account`, `twilio-admin`, …).
    package var actorType: String?
    /// Monitor `source` (`api`, `web`, `twilio`) or the CloudEvent `source` attribute.
    package var source: String?
    /// Monitor `source_ip_address` or IAM `data.address`.
    package var sourceIP: String?
    package var resourceSid: String?
    package var resourceType: String?
    package var description: String?
    /// IAM `data.action` (the HTTP method of the blocked request).
    package var httpMethod: String?
    /// IAM `data.resource` (the API path of the blocked request) or Monitor `url`.
    package var urlPath: String?
    /// IAM `data.authentication_method` (`API Key`, `Auth Token`).
    package var authMethod: String?
    /// IAM `data.request_sid`.
    package var requestSid: String?
    /// The original JSON object, byte for byte.
    package var raw: [UInt8]

    package init(
        id: String, dedupKey: String, time: Timestamp, timeSource: EventTimeSource = .event,
        origin: EventOrigin, type: String, accountSid: String? = nil, actorSid: String? = nil,
        actorType: String? = nil, source: String? = nil, sourceIP: String? = nil,
        resourceSid: String? = nil, resourceType: String? = nil, description: String? = nil,
        httpMethod: String? = nil, urlPath: String? = nil, authMethod: String? = nil,
        requestSid: String? = nil, raw: [UInt8]
    ) {
        self.id = id
        self.dedupKey = dedupKey
        self.time = time
        self.timeSource = timeSource
        self.origin = origin
        self.type = type
        self.accountSid = accountSid
        self.actorSid = actorSid
        self.actorType = actorType
        self.source = source
        self.sourceIP = sourceIP
        self.resourceSid = resourceSid
        self.resourceType = resourceType
        self.description = description
        self.httpMethod = httpMethod
        self.urlPath = urlPath
        self.authMethod = authMethod
        self.requestSid = requestSid
        self.raw = raw
    }
}

/// An event as the merger released it: its place in the merged stream and how it got there.
package struct ForwardedEvent: Sendable, Equatable {
    /// The release sequence number; every output follows this order.
    package var sequence: Int64
    /// True when the event arrived after its time had already been released.
    package var late: Bool
    /// The replay job that re-emits the event, or nil in the live stream.
    package var replayJob: String?
    package var event: TwilioEvent

    /// True when the event is re-emitted by a replay rather than the live stream.
    package var replay: Bool { replayJob != nil }

    package init(sequence: Int64, late: Bool = false, replayJob: String? = nil, event: TwilioEvent) {
        self.sequence = sequence
        self.late = late
        self.replayJob = replayJob
        self.event = event
    }
}

/// What makes two events the same event: the dedup key at the event's own time. An event with no
/// time of its own (``EventTimeSource/receipt``) is identified by its key alone, under time 0,
/// since each delivery of it is received at another moment.
package struct DedupIdentity: Sendable, Hashable {
    package var time: Int64
    package var key: String

    package init(time: Int64, key: String) {
        self.time = time
        self.key = key
    }
}

extension TwilioEvent {
    /// The identity the journal deduplicates by.
    package var dedupIdentity: DedupIdentity {
        DedupIdentity(time: timeSource == .receipt ? 0 : time.epochMilliseconds, key: dedupKey)
    }
}
