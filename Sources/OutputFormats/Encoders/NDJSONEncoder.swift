import ForwarderCore
import NIOCore

/// Encodes an event as one JSON object in ECS style (Elastic Common Schema field names, nested
/// objects), with the original Twilio payload untouched under `twilio`. The framer adds `\n`.
package struct NDJSONEncoder: EventEncoder {
    package init() {}

    package func encode(_ forwarded: ForwardedEvent, into b: inout ByteBuffer) {
        let e = forwarded.event
        let c = EventClassification(e)
        b.writeStaticString("{\"@timestamp\":\"")
        b.writeRFC3339Milliseconds(e.time, wrappingYear: true)
        b.writeStaticString("\",\"event\":{\"id\":")
        b.writeJSONString(e.id)
        b.writeStaticString(",\"action\":")
        b.writeJSONString(e.type)
        b.writeStaticString(",\"dataset\":\"")
        b.writeString(e.origin.dataset)
        b.writeStaticString("\",\"module\":\"twilio\",\"kind\":\"event\",\"category\":")
        b.writeStaticString(c.categorySet.jsonArray)
        b.writeStaticString(",\"type\":")
        b.writeStaticString(c.eventType.jsonArray)
        if let outcome = c.outcome {
            b.writeStaticString(",\"outcome\":\"")
            b.writeString(outcome)
            b.writeStaticString("\"")
        }
        b.writeStaticString(",\"severity\":")
        b.writeDecimal(c.cefSeverity)
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
        b.writeDecimal(forwarded.sequence)
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

    /// `labels`: the Monitor fields ECS has no place for, each only when it has a value.
    private func writeLabels(_ e: TwilioEvent, into b: inout ByteBuffer) {
        var open = false
        label("actor_type", e.actorType, open: &open, into: &b)
        label("source", e.source, open: &open, into: &b)
        label("resource_type", e.resourceType, open: &open, into: &b)
        label("resource_sid", e.resourceSid, open: &open, into: &b)
        label("authentication_method", e.authMethod, open: &open, into: &b)
        if open { b.writeStaticString("}") }
    }

    @inline(__always)
    private func label(_ key: StaticString, _ value: String?, open: inout Bool, into b: inout ByteBuffer) {
        guard let value else { return }
        b.writeStaticString(open ? "," : ",\"labels\":{")
        open = true
        b.writeJSONKey(key)
        b.writeJSONString(value)
    }
}
