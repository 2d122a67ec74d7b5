import ForwarderCore
import NIOCore

/// The one-line human sentence and short name of an event, shared by the RFC 5424 text MSG and
/// CEF `msg`/Name so both formats describe an event in the same words.
enum EventSummary {
    /// How the event's own values are written inside the sentence.
    enum Escaping {
        /// Control characters (CR, LF and tab included) become spaces.
        case singleLine
        /// CEF extension value escaping.
        case cefExtensionValue
    }

    /// The CEF Name: `IP blocked`, `IP block dry run`, or the event type.
    static func name(_ event: TwilioEvent, kind: EventClassification.Kind) -> String {
        switch kind {
        case .ipBlocked: "IP blocked"
        case .ipBlockDryRun: "IP block dry run"
        default: event.type
        }
    }

    /// Writes the sentence:
    /// - IP blocking: `IP blocked: 203.0.113.7 POST /v1/Sinks for account AC… (API Key SK…)`;
    /// - an event with a description (Monitor): the description;
    /// - anything else: `phone-number.deleted on phone-number PN… via web by user US… from 203.0.113.7`.
    ///
    /// Parts whose value is missing or empty are left out.
    static func write(_ e: TwilioEvent, kind: EventClassification.Kind, escaping: Escaping, into b: inout ByteBuffer) {
        func value(_ s: String) {
            switch escaping {
            case .singleLine: b.writeSingleLine(s)
            case .cefExtensionValue: b.writeCEFExtensionValue(s)
            }
        }
        func part(_ prefix: StaticString, _ s: String?) {
            guard let s, !s.isEmpty else { return }
            b.writeStaticString(prefix)
            value(s)
        }
        if kind == .ipBlocked || kind == .ipBlockDryRun {
            b.writeStaticString(kind == .ipBlocked ? "IP blocked:" : "IP block dry run:")
            part(" ", e.sourceIP)
            part(" ", e.httpMethod)
            part(" ", e.urlPath)
            part(" for account ", e.accountSid)
            let auth = e.authMethod.flatMap { $0.isEmpty ? nil : $0 }
            let actor = e.actorSid.flatMap { $0.isEmpty ? nil : $0 }
            if auth != nil || actor != nil {
                b.writeStaticString(" (")
                if let auth { value(auth) }
                if auth != nil && actor != nil { b.writeStaticString(" ") }
                if let actor { value(actor) }
                b.writeStaticString(")")
            }
            return
        }
        if let description = e.description, !description.isEmpty {
            value(description)
            return
        }
        value(e.type)
        if e.resourceType?.isEmpty == false || e.resourceSid?.isEmpty == false {
            b.writeStaticString(" on")
            part(" ", e.resourceType)
            part(" ", e.resourceSid)
        }
        part(" via ", e.source)
        if e.actorType?.isEmpty == false || e.actorSid?.isEmpty == false {
            b.writeStaticString(" by")
            part(" ", e.actorType)
            part(" ", e.actorSid)
        }
        part(" from ", e.sourceIP)
    }
}
