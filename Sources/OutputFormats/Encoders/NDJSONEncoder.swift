import ForwarderCore
import NIOCore

/// Encodes an event as one JSON object in ECS style (Elastic Common Schema field names, nested
/// objects), with the original Twilio payload untouched under `twilio`. The framer adds `\n`.
public struct NDJSONEncoder: EventEncoder {
    public init() {}

    public func encode(_ forwarded: ForwardedEvent, into b: inout ByteBuffer) {
        let e = forwarded.event
        let c = EventClassification(e)
        var stamp: [UInt8] = []
        stamp.reserveCapacity(24)
        e.time.appendRFC3339(to: &stamp)

        b.writeStaticString("{\"@timestamp\":\"")
        b.writeBytes(stamp)
        b.writeStaticString("\",\"event\":{\"id\":")
        b.writeJSONString(e.id)
        b.writeStaticString(",\"action\":")
        b.writeJSONString(e.type)
        b.writeStaticString(",\"dataset\":\"")
        b.writeString(e.origin.dataset)
        b.writeStaticString("\",\"module\":\"twilio\",\"kind\":\"event\",\"category\":")
        writeArray(c.categories, into: &b)
        b.writeStaticString(",\"type\":")
        writeArray(c.types, into: &b)
        if let outcome = c.outcome {
            b.writeStaticString(",\"outcome\":\"")
            b.writeString(outcome)
            b.writeStaticString("\"")
        }
        b.writeStaticString(",\"severity\":")
        b.writeString(String(c.cefSeverity))
        b.writeStaticString("}")
        if let description = e.description {
            b.writeStaticString(",\"message\":")
            b.writeJSONString(description)
        }
        if let ip = e.sourceIP {
            b.writeStaticString(",\"source\":{\"ip\":")
            b.writeJSONString(ip)
            b.writeStaticString("}")
        }
        if let actor = e.actorSid {
            b.writeStaticString(",\"user\":{\"id\":")
            b.writeJSONString(actor)
            b.writeStaticString("}")
        }
        if let account = e.accountSid {
            b.writeStaticString(",\"cloud\":{\"provider\":\"twilio\",\"account\":{\"id\":")
            b.writeJSONString(account)
            b.writeStaticString("}}")
        }
        if e.httpMethod != nil || e.requestSid != nil {
            b.writeStaticString(",\"http\":{\"request\":{")
            var first = true
            if let method = e.httpMethod {
                b.writeStaticString("\"method\":")
                b.writeJSONString(method)
                first = false
            }
            if let request = e.requestSid {
                if !first { b.writeStaticString(",") }
                b.writeStaticString("\"id\":")
                b.writeJSONString(request)
            }
            b.writeStaticString("}}")
        }
        if e.origin == .eventStreams, let path = e.urlPath {
            b.writeStaticString(",\"url\":{\"path\":")
            b.writeJSONString(path)
            b.writeStaticString("}")
        } else if let url = e.urlPath {
            b.writeStaticString(",\"url\":{\"full\":")
            b.writeJSONString(url)
            b.writeStaticString("}")
        }
        writeLabels(e, into: &b)
        b.writeStaticString(",\"twilio\":")
        e.raw.withUnsafeBytes { b.writeCompactJSON($0) }
        b.writeStaticString(",\"forwarder\":{\"sequence\":")
        b.writeString(String(forwarded.sequence))
        b.writeStaticString(forwarded.late ? ",\"late\":true" : ",\"late\":false")
        if let job = forwarded.replayJob {
            b.writeStaticString(",\"replay\":true,\"replay_job\":")
            b.writeJSONString(job)
        } else {
            b.writeStaticString(",\"replay\":false")
        }
        if e.timeSource != .event {
            b.writeStaticString(",\"time_source\":")
            b.writeStaticString(e.timeSource == .dataTimestamp ? "\"data.timestamp\"" : "\"receipt\"")
        }
        b.writeStaticString("}}")
    }

    private func writeLabels(_ e: TwilioEvent, into b: inout ByteBuffer) {
        let labels: [(StaticString, String?)] = [
            ("actor_type", e.actorType), ("source", e.source), ("resource_type", e.resourceType),
            ("resource_sid", e.resourceSid), ("authentication_method", e.authMethod),
        ]
        var open = false
        for (key, value) in labels {
            guard let value else { continue }
            b.writeStaticString(open ? "," : ",\"labels\":{")
            open = true
            b.writeJSONKey(key)
            b.writeJSONString(value)
        }
        if open { b.writeStaticString("}") }
    }

    private func writeArray(_ values: [String], into b: inout ByteBuffer) {
        b.writeStaticString("[")
        for (k, v) in values.enumerated() {
            if k > 0 { b.writeStaticString(",") }
            b.writeJSONString(v)
        }
        b.writeStaticString("]")
    }
}
