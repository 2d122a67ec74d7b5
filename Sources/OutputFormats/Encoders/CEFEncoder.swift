import ForwarderCore
import NIOCore

/// Encodes an event as one ArcSight CEF record,
/// `CEF:0|Twilio|<product>|<version>|<event type>|<name>|<severity>|<extension>`, optionally
/// behind an RFC 3164-style syslog header, without framing or trailing newline.
///
/// Header fields escape `\` and `|` and turn control characters into spaces; extension values
/// escape `\`, `=`, LF and CR, and write any other control character as the text `\xHH`. Only
/// keys with a value are written, and every custom field's label comes right before its value.
package struct CEFEncoder: EventEncoder {
    /// Device Vendor header field.
    package static let vendor = "Twilio"

    private let syslogHeader: Bool
    private let facilityBase: Int
    /// ` HOSTNAME ` of the syslog header, sanitised once.
    private let hostPart: [UInt8]
    /// `CEF:0|Twilio|<product>|<version>|`, escaped once.
    private let cefPrefix: [UInt8]

    /// `hostname` is the already-resolved host name of the syslog header (`options.hostname` or the
    /// machine's name); it is only written when `options.syslogHeader` is set.
    package init(options: CEFOptions, hostname: String) {
        syslogHeader = options.syslogHeader
        facilityBase = min(max(options.facility, 0), 23) * 8
        hostPart = [UInt8(ascii: " ")] + SyslogHeaderField.sanitized(hostname, maxLength: 255) + [UInt8(ascii: " ")]
        var prefix = ByteBuffer()
        prefix.writeStaticString("CEF:0|")
        prefix.writeCEFHeaderField(Self.vendor)
        prefix.writeInteger(UInt8(ascii: "|"))
        prefix.writeCEFHeaderField(options.product)
        prefix.writeInteger(UInt8(ascii: "|"))
        prefix.writeCEFHeaderField(options.version)
        prefix.writeInteger(UInt8(ascii: "|"))
        cefPrefix = Array(prefix.readableBytesView)
    }

    package func encode(_ forwarded: ForwardedEvent, into b: inout ByteBuffer) {
        let e = forwarded.event
        let c = EventClassification(e)
        if syslogHeader {
            b.writeInteger(UInt8(ascii: "<"))
            b.writeDecimal(facilityBase + c.syslogSeverity)
            b.writeInteger(UInt8(ascii: ">"))
            b.writeRFC3164Timestamp(e.time)
            b.writeBytes(hostPart)
        }
        b.writeBytes(cefPrefix)
        b.writeCEFHeaderField(e.type)
        b.writeInteger(UInt8(ascii: "|"))
        b.writeCEFHeaderField(EventSummary.name(e, kind: c.kind))
        b.writeInteger(UInt8(ascii: "|"))
        b.writeDecimal(c.cefSeverity)
        b.writeStaticString("|rt=")
        b.writeDecimal(e.time.epochMilliseconds)
        field(" externalId=", e.id, into: &b)
        b.writeStaticString(" cat=")
        b.writeString(e.origin.dataset)
        writeAction(e, kind: c.kind, into: &b)
        if let outcome = c.outcome {
            b.writeStaticString(" outcome=")
            b.writeString(outcome)
        }
        if let ip = e.sourceIP {
            switch IPAddress(ip)?.family {
            case .ipv4:
                b.writeStaticString(" src=")
                b.writeString(ip)
            case .ipv6:
                b.writeStaticString(" c6a2Label=Source IPv6 Address c6a2=")
                b.writeString(ip)
            case nil:
                break
            }
        }
        field(" suid=", e.actorSid, into: &b)
        field(" spriv=", e.actorType, into: &b)
        field(" requestMethod=", e.httpMethod, into: &b)
        field(" request=", e.urlPath, into: &b)
        field(" deviceExternalId=", e.accountSid, into: &b)
        field(" cs1Label=accountSid cs1=", e.accountSid, into: &b)
        field(" cs2Label=resourceSid cs2=", e.resourceSid, into: &b)
        field(" cs3Label=resourceType cs3=", e.resourceType, into: &b)
        field(" cs4Label=requestSid cs4=", e.requestSid, into: &b)
        field(" cs5Label=source cs5=", e.source, into: &b)
        field(" cs6Label=authMethod cs6=", e.authMethod, into: &b)
        b.writeStaticString(" cn1Label=sequence cn1=")
        b.writeDecimal(forwarded.sequence)
        if forwarded.late { b.writeStaticString(" flexString1Label=late flexString1=true") }
        field(" flexString2Label=replayJob flexString2=", forwarded.replayJob, into: &b)
        b.writeStaticString(" msg=")
        EventSummary.write(e, kind: c.kind, escaping: .cefExtensionValue, into: &b)
    }

    /// `act`: `blocked` / `dry-run` for IP blocking, else the last dot-separated word of the type
    /// (`created`, `updated`, `deleted`, …); left out when the type has no dot.
    private func writeAction(_ e: TwilioEvent, kind: EventClassification.Kind, into b: inout ByteBuffer) {
        switch kind {
        case .ipBlocked: b.writeStaticString(" act=blocked")
        case .ipBlockDryRun: b.writeStaticString(" act=dry-run")
        case .created: b.writeStaticString(" act=created")
        case .updated: b.writeStaticString(" act=updated")
        case .deleted: b.writeStaticString(" act=deleted")
        case .other:
            guard let dot = e.type.lastIndex(of: "."), e.type.index(after: dot) < e.type.endIndex else { return }
            b.writeStaticString(" act=")
            b.writeCEFExtensionValue(String(e.type[e.type.index(after: dot)...]))
        }
    }

    private func field(_ keyAndEquals: StaticString, _ value: String?, into b: inout ByteBuffer) {
        guard let value, !value.isEmpty else { return }
        b.writeStaticString(keyAndEquals)
        b.writeCEFExtensionValue(value)
    }
}
