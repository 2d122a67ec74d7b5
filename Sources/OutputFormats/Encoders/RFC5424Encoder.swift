import ForwarderCore
import NIOCore

/// Encodes an event as one RFC 5424 syslog message,
/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [twilio@PEN id="…" type="…" …] MSG`,
/// without framing or trailing newline (the framer adds those).
///
/// Header fields are printable ASCII only (anything else becomes `_`) and cut to their RFC
/// limits; MSGID is the event type cut to 32. MSG is UTF-8 with a BOM (RFC 5424 §6.4), either
/// the original event JSON on one line or a one-line sentence.
package struct RFC5424Encoder: EventEncoder {
    /// RFC 5424 limit of HOSTNAME, in characters.
    package static let hostnameMaxLength = 255
    /// RFC 5424 limit of APP-NAME.
    package static let appNameMaxLength = 48
    /// RFC 5424 limit of PROCID.
    package static let procIDMaxLength = 128
    /// RFC 5424 limit of MSGID.
    package static let msgIDMaxLength = 32

    private let facilityBase: Int
    private let message: RFC5424Message
    /// ` HOSTNAME APP-NAME PROCID `, sanitised once.
    private let headerMiddle: [UInt8]
    /// `[twilio@PEN id="`.
    private let sdPrefix: [UInt8]

    /// `hostname` is the already-resolved HOSTNAME (`options.hostname` or the machine's name);
    /// `procID` is the PROCID field (`-` when not wanted).
    package init(options: RFC5424Options, hostname: String, procID: String = "-") {
        facilityBase = min(max(options.facility, 0), 23) * 8
        message = options.message
        var middle: [UInt8] = [UInt8(ascii: " ")]
        middle += SyslogHeaderField.sanitized(hostname, maxLength: Self.hostnameMaxLength)
        middle.append(UInt8(ascii: " "))
        middle += SyslogHeaderField.sanitized(options.appName, maxLength: Self.appNameMaxLength)
        middle.append(UInt8(ascii: " "))
        middle += SyslogHeaderField.sanitized(procID, maxLength: Self.procIDMaxLength)
        middle.append(UInt8(ascii: " "))
        headerMiddle = middle
        sdPrefix = Array("[twilio@\(options.enterpriseID) id=\"".utf8)
    }

    package func encode(_ forwarded: ForwardedEvent, into b: inout ByteBuffer) {
        let e = forwarded.event
        let c = EventClassification(e)
        b.writeInteger(UInt8(ascii: "<"))
        b.writeDecimal(facilityBase + c.syslogSeverity)
        b.writeStaticString(">1 ")
        b.writeRFC3339Milliseconds(e.time)
        b.writeBytes(headerMiddle)
        b.writeHeaderField(e.type, maxLength: Self.msgIDMaxLength)
        b.writeInteger(UInt8(ascii: " "))
        writeStructuredData(forwarded, into: &b)
        switch message {
        case .json:
            guard !e.raw.isEmpty else { return }
            b.writeStaticString(" \u{FEFF}")
            e.raw.withUnsafeBytes { b.writeSingleLineJSON($0) }
        case .text:
            b.writeStaticString(" \u{FEFF}")
            EventSummary.write(e, kind: c.kind, escaping: .singleLine, into: &b)
        }
    }

    /// The SD element: `id`, `type`, then every other known field that has a value.
    private func writeStructuredData(_ forwarded: ForwardedEvent, into b: inout ByteBuffer) {
        let e = forwarded.event
        b.writeBytes(sdPrefix)
        b.writeSDParamValue(e.id)
        b.writeStaticString("\" type=\"")
        b.writeSDParamValue(e.type)
        b.writeInteger(UInt8(ascii: "\""))
        param(" account=\"", e.accountSid, into: &b)
        b.writeStaticString(" dataset=\"")
        b.writeString(e.origin.dataset)
        b.writeStaticString("\" seq=\"")
        b.writeDecimal(forwarded.sequence)
        b.writeInteger(UInt8(ascii: "\""))
        param(" actor=\"", e.actorSid, into: &b)
        param(" actorType=\"", e.actorType, into: &b)
        param(" source=\"", e.source, into: &b)
        param(" ip=\"", e.sourceIP, into: &b)
        param(" resource=\"", e.resourceSid, into: &b)
        param(" resourceType=\"", e.resourceType, into: &b)
        param(" method=\"", e.httpMethod, into: &b)
        param(e.origin == .eventStreams ? " path=\"" : " url=\"", e.urlPath, into: &b)
        param(" auth=\"", e.authMethod, into: &b)
        param(" request=\"", e.requestSid, into: &b)
        if forwarded.late { b.writeStaticString(" late=\"true\"") }
        if let job = forwarded.replayJob {
            b.writeStaticString(" replay=\"true\"")
            param(" replayJob=\"", job, into: &b)
        }
        switch e.timeSource {
        case .event: break
        case .dataTimestamp: b.writeStaticString(" timeSource=\"data.timestamp\"")
        case .receipt: b.writeStaticString(" timeSource=\"receipt\"")
        }
        b.writeInteger(UInt8(ascii: "]"))
    }

    private func param(_ nameAndQuote: StaticString, _ value: String?, into b: inout ByteBuffer) {
        guard let value, !value.isEmpty else { return }
        b.writeStaticString(nameAndQuote)
        b.writeSDParamValue(value)
        b.writeInteger(UInt8(ascii: "\""))
    }
}

extension ByteBuffer {
    /// Writes a JSON text on one line: whitespace between tokens is removed (as
    /// `writeCompactJSON` does) and, should a string hold a raw C0 control character (invalid
    /// JSON that the journal's reader never lets through) or a raw DEL (valid JSON), it is
    /// written as `\u00XX`, so no control byte can ever reach the record.
    mutating func writeSingleLineJSON(_ raw: UnsafeRawBufferPointer) {
        var state = SingleLineJSONState()
        var i = 0
        while i < raw.count {
            // The copy never grows the text, so what is left of `raw` always fits.
            writeWithUnsafeMutableBytes(minimumWritableBytes: raw.count - i) { target in
                state.copy(raw, from: &i, into: target)
            }
            if i < raw.count {
                let c = raw[i]
                let low = c & 0xF
                writeStaticString("\\u00")
                writeInteger(UInt8(ascii: "0") + (c >> 4))
                writeInteger(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
                i += 1
            }
        }
    }
}

/// Where the single-line JSON copy is: inside a string, and just after a backslash there.
private struct SingleLineJSONState {
    var inString = false
    var escaped = false

    /// Copies from `i` on, leaving out whitespace between tokens (and writing any other control
    /// byte or DEL outside strings as a space); stops before a control byte or DEL inside a
    /// string, which the caller escapes. Returns the number of bytes written. Runs of ordinary
    /// bytes are found eight at a time and copied in one `memcpy`.
    mutating func copy(_ raw: UnsafeRawBufferPointer, from i: inout Int, into target: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = raw.baseAddress, let out = target.baseAddress else { return 0 }
        var o = 0
        let count = raw.count
        while i < count {
            if inString {
                if escaped {
                    let c = base.load(fromByteOffset: i, as: UInt8.self)
                    if c < 0x20 || c == 0x7F {
                        escaped = false
                        return o
                    }
                    escaped = false
                    out.storeBytes(of: c, toByteOffset: o, as: UInt8.self)
                    o += 1
                    i += 1
                    continue
                }
                let stop = ByteScan.quoteBackslashControlOrDEL(base, from: i, to: count)
                (out + o).copyMemory(from: base + i, byteCount: stop - i)
                o += stop - i
                i = stop
                guard i < count else { break }
                let c = base.load(fromByteOffset: i, as: UInt8.self)
                if c < 0x20 || c == 0x7F { return o }
                if c == 0x5C { escaped = true } else { inString = false }
                out.storeBytes(of: c, toByteOffset: o, as: UInt8.self)
                o += 1
                i += 1
            } else {
                let stop = ByteScan.quoteSpaceControlOrDEL(base, from: i, to: count)
                (out + o).copyMemory(from: base + i, byteCount: stop - i)
                o += stop - i
                i = stop
                guard i < count else { break }
                let c = base.load(fromByteOffset: i, as: UInt8.self)
                if c == 0x22 {
                    inString = true
                    out.storeBytes(of: c, toByteOffset: o, as: UInt8.self)
                    o += 1
                } else if c != 0x20 && c != 0x0A && c != 0x0D && c != 0x09 {
                    out.storeBytes(of: 0x20, toByteOffset: o, as: UInt8.self)  // a control byte outside strings (invalid JSON): a space
                    o += 1
                }
                i += 1
            }
        }
        return o
    }
}
