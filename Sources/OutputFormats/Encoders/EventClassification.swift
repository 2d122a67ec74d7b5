import ForwarderCore

/// How an event type maps onto SIEM categories and severities; shared by every encoder so
/// NDJSON, RFC 5424 and CEF agree.
public struct EventClassification: Sendable, Equatable {
    /// ECS `event.category` values.
    public var categories: [String]
    /// ECS `event.type` values.
    public var types: [String]
    /// ECS `event.outcome` (`success`, `failure`, `unknown`), when it is known.
    public var outcome: String?
    /// RFC 5424 severity (0 emergency … 7 debug).
    public var syslogSeverity: Int
    /// CEF severity 0–10.
    public var cefSeverity: Int
    /// Which rule matched, for encoders that name the event or its action.
    public var kind: Kind

    /// The rule an event type matched, from the most specific suffix down.
    public enum Kind: Sendable, Equatable {
        /// `…ip.blocked`: a request refused by an IP access rule.
        case ipBlocked
        /// `…ip.blocked.dryrun`: a request an IP access rule in dry-run mode would have refused.
        case ipBlockDryRun
        /// `*.deleted`
        case deleted
        /// `*.created`
        case created
        /// `*.updated`
        case updated
        /// Any other type.
        case other
    }

    public init(_ event: TwilioEvent) {
        let type = event.type
        if type.hasSuffix("ip.blocked") {
            kind = .ipBlocked
            categories = ["network", "iam"]
            types = ["denied"]
            outcome = "failure"
            syslogSeverity = 4  // warning
            cefSeverity = 7
        } else if type.hasSuffix("ip.blocked.dryrun") {
            kind = .ipBlockDryRun
            categories = ["network", "iam"]
            types = ["info"]
            outcome = "success"
            syslogSeverity = 5  // notice
            cefSeverity = 5
        } else if type.hasSuffix(".deleted") {
            kind = .deleted
            categories = ["configuration"]
            types = ["deletion"]
            outcome = "success"
            syslogSeverity = 5
            cefSeverity = 5
        } else if type.hasSuffix(".created") {
            kind = .created
            categories = ["configuration"]
            types = ["creation"]
            outcome = "success"
            syslogSeverity = 6  // informational
            cefSeverity = 3
        } else if type.hasSuffix(".updated") {
            kind = .updated
            categories = ["configuration"]
            types = ["change"]
            outcome = "success"
            syslogSeverity = 6
            cefSeverity = 3
        } else {
            kind = .other
            categories = event.origin == .monitor ? ["configuration"] : []
            types = ["info"]
            outcome = nil
            syslogSeverity = 6
            cefSeverity = 3
        }
        if let resource = event.resourceType, Self.sensitiveResources.contains(resource), cefSeverity < 6 {
            cefSeverity += 2
            syslogSeverity = min(syslogSeverity, 5)
            if !categories.contains("iam") { categories.append("iam") }
        }
    }

    /// Resources whose changes a security team watches closely (credentials and access).
    static let sensitiveResources: Set<String> = [
        "account", "api-key", "sip-credential-list", "sip-ip-access-control-list", "connect-app",
        "authorized-connect-app", "sms-geographic-permissions", "voice-geographic-permissions",
    ]
}
