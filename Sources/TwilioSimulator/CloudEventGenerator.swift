/// One generated CloudEvent: its identity and the exact JSON bytes that go on the wire.
struct CloudEvent: Sendable {
    var id: String
    var source: String
    var type: String
    var json: [UInt8]
}

/// Invents Event Streams traffic: mostly IAM `ip.blocked` / `ip.blocked.dryrun` events (in the
/// exact shape of Twilio's published examples, and sometimes with a proper `time` and
/// `datacontenttype: application/json`), plus messaging and Voice Insights events, and now and
/// then an attack burst. Ids and contents are deterministic from the seed and event number.
struct CloudEventGenerator: Sendable {
    /// How the next background delivery is shaped.
    enum Plan: Equatable, Sendable {
        case single
        case batch(Int)
        /// 200 `ip.blocked` from one address within seconds, sent as several batches.
        case burst
    }

    static let burstSize = 200
    static let maxBatch = 50

    let seed: UInt64
    let accountSid: String
    private(set) var generated: UInt64 = 0
    private var planRNG: SplitMix64
    private let attackers: [String]
    private let apiKeys: [String]
    private let sinkSources: [String]

    init(seed: UInt64, accountSid: String) {
        self.seed = seed
        self.accountSid = accountSid
        var rng = SplitMix64(seed: seed, stream: RandomStream.cloudEvents, index: 0)
        self.planRNG = SplitMix64(seed: seed, stream: RandomStream.cloudEvents, index: 1)
        self.attackers = (0..<24).map { index in
            index % 6 == 5
                ? "2a0\(1 + rng.nextInt(below: 8)):\(String(rng.nextInt(below: 0x10000), radix: 16))::\(String(1 + rng.nextInt(below: 0xfff), radix: 16))"
                : "\([45, 91, 103, 141, 176, 185, 193, 194][rng.nextInt(below: 8)]).\(rng.nextInt(below: 256)).\(rng.nextInt(below: 256)).\(1 + rng.nextInt(below: 254))"
        }
        self.apiKeys = (0..<4).map { _ in Sid128.random(using: &rng).string(prefix: "SK") }
        self.sinkSources = (0..<2).map { _ in Sid128.random(using: &rng).string(prefix: "AB") }
    }

    mutating func nextPlan() -> Plan {
        let draw = planRNG.nextInt(below: 1000)
        if draw < 15 { return .burst }
        if draw < 350 { return .batch(1 + planRNG.nextInt(below: 20)) }
        return .single
    }

    /// Mean number of events a plan carries (for pacing deliveries to an events-per-minute rate).
    static func eventCount(of plan: Plan) -> Int {
        switch plan {
        case .single: return 1
        case .batch(let size): return size
        case .burst: return burstSize
        }
    }

    /// `count` events of the usual mix, at about `nowMs`.
    mutating func makeEvents(count: Int, nowMs: Int64) -> [CloudEvent] {
        (0..<count).map { _ in makeEvent(nowMs: nowMs, forcedAddress: nil) }
    }

    /// An attack: `burstSize` `ip.blocked` events from one address over a few seconds, in batches.
    mutating func makeBurst(nowMs: Int64) -> [[CloudEvent]] {
        let address = attackers[planRNG.nextInt(below: attackers.count)]
        let events = (0..<CloudEventGenerator.burstSize).map { offset in
            makeEvent(nowMs: nowMs - 5000 + Int64(offset) * 25, forcedAddress: address)
        }
        return stride(from: 0, to: events.count, by: CloudEventGenerator.maxBatch).map {
            Array(events[$0..<min($0 + CloudEventGenerator.maxBatch, events.count)])
        }
    }

    private mutating func makeEvent(nowMs: Int64, forcedAddress: String?) -> CloudEvent {
        var rng = SplitMix64(seed: seed, stream: RandomStream.cloudEvents &+ 0x100, index: generated)
        generated += 1
        let id = Sid128.random(using: &rng).string(prefix: "EV")
        let eventMs = forcedAddress == nil ? nowMs - Int64(rng.nextInt(below: 2000)) : nowMs
        let draw = forcedAddress == nil ? rng.nextInt(below: 100) : 0
        switch draw {
        case 0..<45: return iamEvent(id: id, type: "com.twilio.iam.ip.blocked", schema: "Iam.IPBlocked/2", eventMs: eventMs, address: forcedAddress, rng: &rng)
        case 45..<70: return iamEvent(id: id, type: "com.twilio.iam.ip.blocked.dryrun", schema: "Iam.IPDryRunBlocked/2", eventMs: eventMs, address: nil, rng: &rng)
        case 70..<85: return messagingEvent(id: id, status: "SENT", eventMs: eventMs, rng: &rng)
        case 85..<95: return callSummaryEvent(id: id, eventMs: eventMs, rng: &rng)
        default: return messagingEvent(id: id, status: "DELIVERED", eventMs: eventMs, rng: &rng)
        }
    }

    private func iamEvent(id: String, type: String, schema: String, eventMs: Int64, address: String?, rng: inout SplitMix64) -> CloudEvent {
        let source = sinkSources[rng.nextInt(below: sinkSources.count)]
        let usesAPIKey = rng.chance(0.6)
        let resources = [
            "/v1/Sinks", "/2010-04-01/Accounts/\(accountSid)/Messages.json", "/2010-04-01/Accounts/\(accountSid)/Calls.json",
            "/v1/Services", "/2010-04-01/Accounts/\(accountSid)/IncomingPhoneNumbers.json", "/v1/Events",
        ]
        var data: [(String, JSONValue)] = [
            ("timestamp", .string(String(eventMs))),
            ("account_sid", .string(accountSid)),
            ("request_sid", .string(Sid128.random(using: &rng).string(prefix: "RQ"))),
            ("address", .string(address ?? attackers[rng.nextInt(below: attackers.count)])),
            ("action", .string(["GET", "POST", "POST", "DELETE"][rng.nextInt(below: 4)])),
            ("resource", .string(resources[rng.nextInt(below: resources.count)])),
            ("authentication_method", .string(usesAPIKey ? "API Key" : "Auth Token")),
        ]
        if usesAPIKey { data.append(("auth_sid", .string(apiKeys[rng.nextInt(below: apiKeys.count)]))) }
        var members: [(String, JSONValue)] = [
            ("specversion", .string("1.0")), ("type", .string(type)), ("source", .string(source)), ("id", .string(id)),
            ("dataschema", .string("https://events-schemas.twilio.com/\(schema)")),
        ]
        if rng.chance(0.3) {
            members.append(("time", .string(CivilTime.timestamp(milliseconds: eventMs))))
            members.append(("datacontenttype", .string("application/json")))
        } else {
            // As in Twilio's published examples: a timestamp where the content type belongs, no `time`.
            members.append(("datacontenttype", .string(CivilTime.timestamp(milliseconds: eventMs + Int64(rng.nextInt(below: 900))))))
        }
        members.append(("data", .object(data)))
        return CloudEvent(id: id, source: source, type: type, json: JSONValue.object(members).rendered)
    }

    private func messagingEvent(id: String, status: String, eventMs: Int64, rng: inout SplitMix64) -> CloudEvent {
        let type = status == "SENT" ? "com.twilio.messaging.message.sent" : "com.twilio.messaging.message.delivered"
        let messageSid = Sid128.random(using: &rng).string(prefix: "SM")
        let source = "/2010-04-01/Accounts/\(accountSid)/Messages/\(messageSid).json"
        let data: [(String, JSONValue)] = [
            ("accountSid", .string(accountSid)),
            ("messageSid", .string(messageSid)),
            ("messagingServiceSid", .string(Sid128(hi: seed, lo: 7).string(prefix: "MG"))),
            ("from", .string("+1415555\(1000 + rng.nextInt(below: 9000))")),
            ("to", .string("+4477009\(10000 + rng.nextInt(below: 90000))")),
            ("messageStatus", .string(status)),
            ("numSegments", .int(Int64(1 + rng.nextInt(below: 3)))),
            ("timestamp", .string(CivilTime.timestamp(milliseconds: eventMs))),
            ("eventName", .string(type)),
        ]
        let members: [(String, JSONValue)] = [
            ("specversion", .string("1.0")), ("type", .string(type)), ("source", .string(source)), ("id", .string(id)),
            ("dataschema", .string("https://events-schemas.twilio.com/Messaging.MessageStatus/4")),
            ("datacontenttype", .string("application/json")),
            ("time", .string(CivilTime.timestamp(milliseconds: eventMs))),
            ("data", .object(data)),
        ]
        return CloudEvent(id: id, source: source, type: type, json: JSONValue.object(members).rendered)
    }

    private func callSummaryEvent(id: String, eventMs: Int64, rng: inout SplitMix64) -> CloudEvent {
        let type = "com.twilio.voice.insights.call-summary.complete"
        let callSid = Sid128.random(using: &rng).string(prefix: "CA")
        let duration = Int64(5 + rng.nextInt(below: 600))
        let endMs = eventMs - 60_000
        let startMs = endMs - duration * 1000
        func party(_ number: String, _ carrier: String, _ country: String) -> JSONValue {
            .object([("caller", .string(number)), ("carrier", .string(carrier)), ("country_code", .string(country)),
                     ("number_prefix", .string(String(number.dropFirst().prefix(4))))])
        }
        let data: [(String, JSONValue)] = [
            ("call_sid", .string(callSid)),
            ("account_sid", .string(accountSid)),
            ("call_type", .string(["carrier", "sip", "client"][rng.nextInt(below: 3)])),
            ("call_state", .string(["completed", "busy", "no-answer", "failed"][rng.nextInt(below: 4)])),
            ("processing_state", .string("complete")),
            ("start_time", .string(CivilTime.timestamp(milliseconds: startMs))),
            ("end_time", .string(CivilTime.timestamp(milliseconds: endMs))),
            ("duration", .int(duration)),
            ("connect_duration", .int(max(0, duration - 2))),
            ("from", party("+1415555\(1000 + rng.nextInt(below: 9000))", "AT&T Wireless", "US")),
            ("to", party("+3361234\(1000 + rng.nextInt(below: 9000))", "Orange", "FR")),
            ("tags", .array(rng.chance(0.3) ? [.string("silence")] : [])),
        ]
        let members: [(String, JSONValue)] = [
            ("specversion", .string("1.0")), ("type", .string(type)),
            ("source", .string("/v1/Voice/\(callSid)/Summary")), ("id", .string(id)),
            ("dataschema", .string("https://events-schemas.twilio.com/VoiceInsights.CallSummary/2")),
            ("datacontenttype", .string("application/json")),
            ("time", .string(CivilTime.timestamp(milliseconds: eventMs))),
            ("data", .object(data)),
        ]
        return CloudEvent(id: id, source: "/v1/Voice/\(callSid)/Summary", type: type, json: JSONValue.object(members).rendered)
    }
}
