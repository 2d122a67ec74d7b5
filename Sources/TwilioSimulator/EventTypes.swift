/// The Monitor resource types and event types Twilio publishes ("Full List of All Supported
/// Resource-Types and Event-Types"), plus the `api-key` events newer accounts also log.
enum EventTypes {
    /// What happened to the resource.
    enum Action: UInt8, Sendable {
        case created, updated, deleted
        var verb: String {
            switch self {
            case .created: return "created"
            case .updated: return "updated"
            case .deleted: return "deleted"
            }
        }
    }

    struct ResourceType: Sendable {
        var name: String
        /// Two-letter sid prefix of resources of this type.
        var sidPrefix: String
        /// Path segment under `/2010-04-01/Accounts/{AC}/` for `links.resource`; nil = the account itself.
        var apiPath: String?
        /// Resource is a setting of the account (its sid is the account sid).
        var isAccountSetting: Bool = false
        /// Human noun for descriptions.
        var noun: String
    }

    struct EventType: Sendable {
        var name: String
        var resourceType: Int
        var action: Action
        /// Relative frequency in generated traffic.
        var weight: Int
    }

    static let resourceTypes: [ResourceType] = [
        .init(name: "account", sidPrefix: "AC", apiPath: nil, noun: "Account"),
        .init(name: "api-key", sidPrefix: "SK", apiPath: "Keys", noun: "API key"),
        .init(name: "application", sidPrefix: "AP", apiPath: "Applications", noun: "Application"),
        .init(name: "authorized-connect-app", sidPrefix: "CN", apiPath: "AuthorizedConnectApps", noun: "Authorized Connect App"),
        .init(name: "call", sidPrefix: "CA", apiPath: "Calls", noun: "Call"),
        .init(name: "caller-id", sidPrefix: "PN", apiPath: "OutgoingCallerIds", noun: "Caller ID"),
        .init(name: "connect-app", sidPrefix: "CN", apiPath: "ConnectApps", noun: "Connect App"),
        .init(name: "invoice-settings", sidPrefix: "AC", apiPath: nil, isAccountSetting: true, noun: "Invoice settings"),
        .init(name: "message", sidPrefix: "SM", apiPath: "Messages", noun: "Message"),
        .init(name: "message-body", sidPrefix: "SM", apiPath: "Messages", noun: "Message body"),
        .init(name: "message-media", sidPrefix: "ME", apiPath: "Media", noun: "Message media"),
        .init(name: "payment", sidPrefix: "PY", apiPath: nil, isAccountSetting: false, noun: "Payment"),
        .init(name: "payment-method", sidPrefix: "PM", apiPath: nil, noun: "Payment method"),
        .init(name: "payment-refund", sidPrefix: "RF", apiPath: nil, noun: "Payment refund"),
        .init(name: "phone-number", sidPrefix: "PN", apiPath: "IncomingPhoneNumbers", noun: "Phone number"),
        .init(name: "recharge-trigger", sidPrefix: "RT", apiPath: nil, noun: "Recharge trigger"),
        .init(name: "recording", sidPrefix: "RE", apiPath: "Recordings", noun: "Recording"),
        .init(name: "shortcode", sidPrefix: "SC", apiPath: "SMS/ShortCodes", noun: "Short code"),
        .init(name: "sip-credential-list", sidPrefix: "CL", apiPath: "SIP/CredentialLists", noun: "SIP credential list"),
        .init(name: "sip-domain", sidPrefix: "SD", apiPath: "SIP/Domains", noun: "SIP domain"),
        .init(name: "sip-ip-access-control-list", sidPrefix: "AL", apiPath: "SIP/IpAccessControlLists", noun: "SIP IP access control list"),
        .init(name: "support-plan", sidPrefix: "AC", apiPath: nil, isAccountSetting: true, noun: "Support plan"),
        .init(name: "sms-geographic-permissions", sidPrefix: "AC", apiPath: nil, isAccountSetting: true, noun: "SMS geographic permissions"),
        .init(name: "transcription", sidPrefix: "TR", apiPath: "Transcriptions", noun: "Transcription"),
        .init(name: "usage-trigger", sidPrefix: "UT", apiPath: "Usage/Triggers", noun: "Usage trigger"),
        .init(name: "voice-geographic-permissions", sidPrefix: "AC", apiPath: nil, isAccountSetting: true, noun: "Voice geographic permissions"),
        .init(name: "wireless-sim", sidPrefix: "DE", apiPath: nil, noun: "Wireless SIM"),
    ]

    /// (event type, weight) pairs; the resource type is the part before the dot.
    private static let published: [(String, Int)] = [
        ("account.created", 1), ("account.updated", 6), ("account.deleted", 1),
        ("api-key.created", 3), ("api-key.updated", 1), ("api-key.deleted", 2),
        ("application.created", 2), ("application.updated", 5), ("application.deleted", 1),
        ("authorized-connect-app.created", 1), ("authorized-connect-app.deleted", 1),
        ("call.deleted", 12),
        ("caller-id.created", 2), ("caller-id.updated", 1), ("caller-id.deleted", 1),
        ("connect-app.created", 1), ("connect-app.updated", 1), ("connect-app.deleted", 1),
        ("invoice-settings.updated", 1),
        ("message.updated", 6), ("message.deleted", 14),
        ("message-body.deleted", 4), ("message-media.deleted", 4),
        ("payment.created", 1),
        ("payment-method.created", 1), ("payment-method.updated", 1), ("payment-method.deleted", 1),
        ("payment-refund.created", 1),
        ("phone-number.created", 5), ("phone-number.updated", 9), ("phone-number.deleted", 3),
        ("recharge-trigger.created", 1), ("recharge-trigger.updated", 1), ("recharge-trigger.deleted", 1),
        ("recording.deleted", 10),
        ("shortcode.created", 1), ("shortcode.updated", 1), ("shortcode.deleted", 1),
        ("sip-credential-list.created", 1), ("sip-credential-list.updated", 1), ("sip-credential-list.deleted", 1),
        ("sip-domain.created", 1), ("sip-domain.updated", 2), ("sip-domain.deleted", 1),
        ("sip-ip-access-control-list.created", 1), ("sip-ip-access-control-list.updated", 1),
        ("sip-ip-access-control-list.deleted", 1),
        ("support-plan.updated", 1),
        ("sms-geographic-permissions.updated", 2),
        ("transcription.deleted", 3),
        ("usage-trigger.created", 1), ("usage-trigger.updated", 1), ("usage-trigger.deleted", 1),
        ("voice-geographic-permissions.updated", 2),
        ("wireless-sim.updated", 2),
    ]

    static let eventTypes: [EventType] = published.map { name, weight in
        let dot = name.lastIndex(of: ".")!
        let resourceName = String(name[..<dot])
        let actionName = String(name[name.index(after: dot)...])
        let resourceIndex = resourceTypes.firstIndex { $0.name == resourceName }!
        let action: Action = actionName == "created" ? .created : actionName == "updated" ? .updated : .deleted
        return EventType(name: name, resourceType: resourceIndex, action: action, weight: weight)
    }

    static let eventTypeIndexByName: [String: Int] = Dictionary(
        uniqueKeysWithValues: eventTypes.enumerated().map { ($1.name, $0) }
    )

    static let resourceTypeIndexByName: [String: Int] = Dictionary(
        uniqueKeysWithValues: resourceTypes.enumerated().map { ($1.name, $0) }
    )

    /// 1024 slots filled in proportion to the weights: a weighted pick is one table lookup.
    static let weightedPickTable: [UInt8] = {
        let total = eventTypes.reduce(0) { $0 + $1.weight }
        var table: [UInt8] = []
        table.reserveCapacity(1024)
        var cumulative = 0
        for (index, type) in eventTypes.enumerated() {
            cumulative += type.weight
            let end = cumulative * 1024 / total
            while table.count < end { table.append(UInt8(index)) }
        }
        while table.count < 1024 { table.append(UInt8(eventTypes.count - 1)) }
        return table
    }()
}

/// Where an event came from; fixes the actor type (Twilio's published table).
enum EventSource: UInt8, Sendable {
    case api, web, twilio

    var name: String {
        switch self {
        case .api: return "api"
        case .web: return "web"
        case .twilio: return "twilio"
        }
    }

    var actorType: String {
        switch self {
        case .api: return "account"
        case .web: return "user"
        case .twilio: return "twilio-admin"
        }
    }
}
