import TestSupport
import ForwarderCore
import NIOCore
import OutputFormats

/// Realistic events (from Twilio's published examples) and awkward values for the encoder tests.
enum EncoderFixtures {
    /// Twilio's Monitor "Fetch an Event" example, pretty-printed as the reference page shows it.
    static let monitorRaw = """
        {
          "sid": "AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "url": "https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "links": {
            "actor": "https://monitor.twilio.com/v1/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "resource": "https://monitor.twilio.com/v1/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          },
          "source": "api",
          "actor_sid": "USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "actor_type": "account",
          "event_data": {
            "friendly_name": {
              "updated": "Mr. Friendly",
              "previous": "SubAccount Created at 2014-10-03 09:48 am"
            }
          },
          "event_date": "2014-10-03T16:48:25Z",
          "event_type": "account.updated",
          "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "description": null,
          "resource_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "resource_type": "account",
          "source_ip_address": "10.86.6.250"
        }
        """

    /// The Monitor example as the poller's decoder interprets it.
    static var monitorEvent: TwilioEvent {
        TwilioEvent(
            id: "AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", dedupKey: "AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            time: Timestamp(iso8601: "2014-10-03T16:48:25Z")!, origin: .monitor, type: "account.updated",
            accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", actorSid: "USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            actorType: "account", source: "api", sourceIP: "10.86.6.250",
            resourceSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", resourceType: "account",
            urlPath: "https://monitor.twilio.com/v1/Events/AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            raw: Array(monitorRaw.utf8))
    }

    /// Twilio's `com.twilio.iam.ip.blocked` example (API key variant), as published.
    static let ipBlockedRaw = IAMExamples.blockedAPIKey

    /// The IAM example as the webhook receiver's decoder interprets it (no `time`, so the time is
    /// `data.timestamp`).
    static var ipBlockedEvent: TwilioEvent {
        TwilioEvent(
            id: "NO00000000000000000000000001", dedupKey: "ce:AB00000000000000000000000001\nNO00000000000000000000000001",
            time: Timestamp(epochMilliseconds: 1_756_056_832_164), timeSource: .dataTimestamp, origin: .eventStreams,
            type: "com.twilio.iam.ip.blocked", accountSid: "AC0000000000000000000000000000001",
            actorSid: "SK0000000000000000000000000000001", source: "AB00000000000000000000000001",
            sourceIP: "172.253.115.138", httpMethod: "POST", urlPath: "/v1/Sinks", authMethod: "API Key",
            requestSid: "RQ0000000000000000000000000000001", raw: Array(ipBlockedRaw.utf8))
    }

    /// Values that exercise every escaping rule of both formats.
    static let awkwardValues: [String] = [
        "plain",
        "a=b",
        "=leading",
        "trailing=",
        "back\\slash",
        "trailing\\",
        "\\=",
        "literal \\n not a newline",
        "pi|pe",
        "|",
        "brack]et",
        "] [x@1 y=\"z\"]",
        "quo\"te",
        "line\nfeed",
        "carriage\rreturn",
        "crlf\r\nnext",
        "\n",
        "k=v k2=v2",
        "CEF:0|x|y|1|2|3|4|k=v",
        " leading and trailing spaces ",
        "café é",
        "日本語",
        "🔐 emoji 👍🏽",
        "tab\there",
        "nul\u{0}byte",
        "\u{1}start of heading",
        "bell\u{7} and escape\u{1B}[31m",
        "unit separator\u{1F}",
        "del\u{7F}ete",
        "\u{0}\t\u{7F}\n",
    ]

    /// An event carrying `value` in every string field (type excluded: it decides severity).
    static func event(allFields value: String, origin: EventOrigin = .monitor, type: String = "phone-number.updated") -> TwilioEvent {
        TwilioEvent(
            id: value, dedupKey: "k", time: Timestamp(epochMilliseconds: 1_795_162_500_123), origin: origin, type: type,
            accountSid: value, actorSid: value, actorType: value, source: value, sourceIP: value, resourceSid: value,
            resourceType: value, description: value, httpMethod: value, urlPath: value, authMethod: value,
            requestSid: value, raw: Array(#"{"v":1}"#.utf8))
    }

    /// Whether `scalar` is a C0 control (U+0000–U+001F) or DEL (U+007F).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    /// `value` with every C0 control (CR, LF and tab included) and DEL replaced by a space: CEF
    /// header fields and one-line text.
    static func controlsAsSpaces(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: value.unicodeScalars.map { isControl($0) ? " " : $0 })
        return String(scalars)
    }

    /// `value` as a strict parser reads it back from an RFC 5424 PARAM-VALUE or a CEF extension
    /// value: LF and CR unchanged (both formats escape them as `\n` and `\r`), every other C0
    /// control and DEL as the four characters `\xHH` in uppercase hex.
    static func controlsAsHex(_ value: String) -> String {
        var text = ""
        for scalar in value.unicodeScalars {
            if isControl(scalar) && scalar != "\n" && scalar != "\r" {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    /// Whether `text` holds a C0 control or DEL byte anywhere.
    static func hasRawControl(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    /// Encodes one event to text.
    static func encode(_ encoder: some EventEncoder, _ event: ForwardedEvent) -> String {
        var buffer = ByteBuffer()
        encoder.encode(event, into: &buffer)
        return String(buffer: buffer)
    }

    static func encode(_ encoder: some EventEncoder, _ event: TwilioEvent, sequence: Int64 = 1) -> String {
        encode(encoder, ForwardedEvent(sequence: sequence, event: event))
    }
}
