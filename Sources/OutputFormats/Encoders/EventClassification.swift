import ForwarderCore

/// How an event type maps onto SIEM categories and severities; shared by every encoder so
/// NDJSON, RFC 5424 and CEF agree.
///
/// Classifying is on every encoder's path, once per event, so it allocates nothing: the ECS
/// categories are a small set and the type one case, each written from static text.
package struct EventClassification: Sendable, Equatable {
    /// ECS `event.category` values, as a set.
    package var categorySet: Categories
    /// The ECS `event.type` value.
    package var eventType: EventType
    /// ECS `event.outcome` (`success`, `failure`, `unknown`), when it is known.
    package var outcome: String?
    /// RFC 5424 severity (0 emergency … 7 debug).
    package var syslogSeverity: Int
    /// CEF severity 0–10.
    package var cefSeverity: Int
    /// Which rule matched, for encoders that name the event or its action.
    package var kind: Kind

    /// ECS `event.category` values, in the order encoders write them.
    package var categories: [String] { categorySet.names.map { String(describing: $0) } }
    /// ECS `event.type` values.
    package var types: [String] { [String(describing: eventType.name)] }

    /// The ECS categories an event can have; written in the order network, configuration, iam.
    package struct Categories: OptionSet, Sendable, Hashable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }

        package static let network = Categories(rawValue: 1)
        package static let configuration = Categories(rawValue: 2)
        package static let iam = Categories(rawValue: 4)

        /// The members' ECS names, in order.
        package var names: [StaticString] {
            var names: [StaticString] = []
            if contains(.network) { names.append("network") }
            if contains(.configuration) { names.append("configuration") }
            if contains(.iam) { names.append("iam") }
            return names
        }

        /// The set as a JSON array, e.g. `["network","iam"]`.
        package var jsonArray: StaticString {
            switch rawValue {
            case 0: "[]"
            case 1: #"["network"]"#
            case 2: #"["configuration"]"#
            case 3: #"["network","configuration"]"#
            case 4: #"["iam"]"#
            case 5: #"["network","iam"]"#
            case 6: #"["configuration","iam"]"#
            default: #"["network","configuration","iam"]"#
            }
        }
    }

    /// The ECS `event.type` an event has.
    package enum EventType: Sendable, Equatable {
        case denied, info, deletion, creation, change

        /// The ECS name.
        package var name: StaticString {
            switch self {
            case .denied: "denied"
            case .info: "info"
            case .deletion: "deletion"
            case .creation: "creation"
            case .change: "change"
            }
        }

        /// The type as a one-element JSON array, e.g. `["denied"]`.
        package var jsonArray: StaticString {
            switch self {
            case .denied: #"["denied"]"#
            case .info: #"["info"]"#
            case .deletion: #"["deletion"]"#
            case .creation: #"["creation"]"#
            case .change: #"["change"]"#
            }
        }
    }

    /// The rule an event type matched, from the most specific suffix down.
    package enum Kind: Sendable, Equatable {
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

    package init(_ event: TwilioEvent) {
        let type = event.type
        if Self.hasSuffix(type, "ip.blocked") {
            kind = .ipBlocked
            categorySet = [.network, .iam]
            eventType = .denied
            outcome = "failure"
            syslogSeverity = 4  // warning
            cefSeverity = 7
        } else if Self.hasSuffix(type, "ip.blocked.dryrun") {
            kind = .ipBlockDryRun
            categorySet = [.network, .iam]
            eventType = .info
            outcome = "success"
            syslogSeverity = 5  // notice
            cefSeverity = 5
        } else if Self.hasSuffix(type, ".deleted") {
            kind = .deleted
            categorySet = .configuration
            eventType = .deletion
            outcome = "success"
            syslogSeverity = 5
            cefSeverity = 5
        } else if Self.hasSuffix(type, ".created") {
            kind = .created
            categorySet = .configuration
            eventType = .creation
            outcome = "success"
            syslogSeverity = 6  // informational
            cefSeverity = 3
        } else if Self.hasSuffix(type, ".updated") {
            kind = .updated
            categorySet = .configuration
            eventType = .change
            outcome = "success"
            syslogSeverity = 6
            cefSeverity = 3
        } else {
            kind = .other
            categorySet = event.origin == .monitor ? .configuration : []
            eventType = .info
            outcome = nil
            syslogSeverity = 6
            cefSeverity = 3
        }
        if let resource = event.resourceType, Self.isSensitive(resource), cefSeverity < 6 {
            cefSeverity += 2
            syslogSeverity = min(syslogSeverity, 5)
            categorySet.insert(.iam)
        }
    }

    /// `String.hasSuffix` for an ASCII suffix, comparing UTF-8 bytes where that gives the same
    /// answer. `hasSuffix` compares Characters (grapheme clusters, canonical equivalence): when
    /// the bytes differ, no string ends in characters equivalent to these ASCII letters and dots
    /// (no sequence normalises to them), so the answer is false; when they match and the byte
    /// before them is ASCII (or there is none), a cluster boundary lies right before the suffix,
    /// so the answer is true. Only a non-ASCII byte right before (a prepended mark could join
    /// the suffix's first character) is left to `hasSuffix` itself.
    static func hasSuffix(_ value: String, _ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        let answer: Bool?? = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            guard bytes.count >= n else { return false }
            let start = bytes.count - n
            for k in 0..<n where bytes[start + k] != suffix.utf8Start[k] { return false }
            return start == 0 || bytes[start - 1] < 0x80 ? true : nil
        }
        if let known = answer ?? nil { return known }
        return value.hasSuffix(String(describing: suffix))
    }

    /// Whether changes to this resource type are ones a security team watches closely
    /// (credentials and access).
    static func isSensitive(_ resource: String) -> Bool {
        switch resource {
        case "account", "api-key", "sip-credential-list", "sip-ip-access-control-list", "connect-app",
             "authorized-connect-app", "sms-geographic-permissions", "voice-geographic-permissions":
            true
        default:
            false
        }
    }
}
