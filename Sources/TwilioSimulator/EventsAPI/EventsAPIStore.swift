/// Why the Events API refused a request: Twilio's status, error code and message.
struct EventsAPIFailure: Error, Sendable, Equatable {
    var status: Int
    var code: Int
    var message: String

    static func notFound(_ path: String) -> EventsAPIFailure {
        EventsAPIFailure(status: 404, code: 20404, message: "The requested resource \(path) was not found")
    }

    static func missing(_ parameter: String) -> EventsAPIFailure {
        EventsAPIFailure(status: 400, code: 20001, message: "Missing required parameter \(parameter) in the post body")
    }

    static func invalid(_ message: String) -> EventsAPIFailure {
        EventsAPIFailure(status: 400, code: 20001, message: message)
    }
}

/// A sink's state, as the Sink resource documents it: webhook sinks start `active`, other
/// kinds `initialized`; a test moves a sink to `validating`, a validation with the right test id
/// back to `active`.
enum SinkStatus: String, Sendable, Equatable {
    case initialized, validating, active, failed
}

/// A stored sink. `configuration` keeps the members exactly as created, for rendering.
struct SinkRecord: Sendable, Equatable {
    var sid: String
    var description: String
    var sinkType: String
    var configuration: [(String, JSONValue)]
    var destination: WebhookURL?
    var batchEvents: Bool
    var status: SinkStatus
    var created: Int64
    var updated: Int64
    /// The test id of the last test event; a newer test replaces it.
    var pendingTestID: String?

    static func == (lhs: SinkRecord, rhs: SinkRecord) -> Bool {
        lhs.sid == rhs.sid && lhs.description == rhs.description && lhs.status == rhs.status
            && lhs.updated == rhs.updated && lhs.pendingTestID == rhs.pendingTestID
            && lhs.configuration.rendered == rhs.configuration.rendered
    }
}

/// A stored subscription and its event types in the order they were added.
struct SubscriptionRecord: Sendable, Equatable {
    var sid: String
    var description: String
    var sinkSid: String
    var receiveEventsFromSubaccounts: Bool
    var created: Int64
    var updated: Int64
    var types: [SubscribedType]
}

/// One event type of a subscription with the schema version it is delivered in.
struct SubscribedType: Sendable, Equatable {
    var type: String
    var schemaVersion: Int
}

/// What a sink test has to send: the test id to put in the event and where to.
struct SinkTestOrder: Sendable, Equatable {
    var testID: String
    var destination: WebhookURL
    var batchEvents: Bool
}

/// Every sink and subscription of the simulated account and the rules the Events API applies
/// to them, as a plain value: no I/O, no clock (callers pass the time), sids from a seeded
/// generator. `EventsAPIRoutes` turns HTTP into these calls.
struct EventsAPIStore: Sendable {
    private(set) var sinks: [SinkRecord] = []
    private(set) var subscriptions: [SubscriptionRecord] = []
    private var rng: SplitMix64

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed, stream: RandomStream.eventsAPI, index: 0)
    }

    static let sinkTypes = ["kinesis", "webhook", "segment", "email"]

    // MARK: Sinks

    /// `POST /v1/Sinks`: `configuration` is the `SinkConfiguration` JSON object's members.
    mutating func createSink(description: String?, sinkType: String?, configuration: JSONValue?, now: Int64) -> Result<SinkRecord, EventsAPIFailure> {
        guard let description, !description.isEmpty else { return .failure(.missing("Description")) }
        guard let configuration else { return .failure(.missing("SinkConfiguration")) }
        guard let sinkType, !sinkType.isEmpty else { return .failure(.missing("SinkType")) }
        guard Self.sinkTypes.contains(sinkType) else {
            return .failure(.invalid("SinkType must be one of \(Self.sinkTypes.joined(separator: ", ")), not '\(sinkType)'"))
        }
        guard case .object(let members) = configuration else {
            return .failure(.invalid("SinkConfiguration must be a JSON object"))
        }
        var destination: WebhookURL?
        var batchEvents = true
        if sinkType == "webhook" {
            guard case .string(let url)? = members.first(where: { $0.0 == "destination" })?.1 else {
                return .failure(.invalid("SinkConfiguration of a webhook sink needs a \"destination\" URL"))
            }
            guard let parsed = try? WebhookURL(parsing: url) else {
                return .failure(.invalid("SinkConfiguration destination '\(url)' is not an absolute http or https URL"))
            }
            destination = parsed
            if let method = members.first(where: { $0.0 == "method" })?.1 {
                guard case .string(let text) = method, ["POST", "GET"].contains(text.uppercased()) else {
                    return .failure(.invalid("SinkConfiguration method must be POST or GET"))
                }
            }
            if let batch = members.first(where: { $0.0 == "batch_events" })?.1 {
                guard case .bool(let value) = batch else {
                    return .failure(.invalid("SinkConfiguration batch_events must be true or false"))
                }
                batchEvents = value
            }
        }
        let sink = SinkRecord(
            sid: Sid128.random(using: &rng).string(prefix: "DG"), description: description, sinkType: sinkType,
            configuration: members, destination: destination, batchEvents: batchEvents,
            status: sinkType == "webhook" ? .active : .initialized, created: now, updated: now, pendingTestID: nil)
        sinks.append(sink)
        return .success(sink)
    }

    func sink(_ sid: String) -> SinkRecord? {
        sinks.first { $0.sid == sid }
    }

    /// `GET /v1/Sinks?InUse=&Status=`.
    func listSinks(inUse: Bool?, status: String?) -> [SinkRecord] {
        sinks.filter { sink in
            (inUse.map { isInUse(sink.sid) == $0 } ?? true) && (status.map { sink.status.rawValue == $0 } ?? true)
        }
    }

    func isInUse(_ sinkSid: String) -> Bool {
        subscriptions.contains { $0.sinkSid == sinkSid }
    }

    /// `POST /v1/Sinks/{Sid}`: only the description can change.
    mutating func updateSink(_ sid: String, description: String?, now: Int64) -> Result<SinkRecord, EventsAPIFailure> {
        guard let index = sinks.firstIndex(where: { $0.sid == sid }) else { return .failure(.notFound("/v1/Sinks/\(sid)")) }
        guard let description, !description.isEmpty else { return .failure(.missing("Description")) }
        sinks[index].description = description
        sinks[index].updated = now
        return .success(sinks[index])
    }

    mutating func deleteSink(_ sid: String) -> Result<Void, EventsAPIFailure> {
        guard let index = sinks.firstIndex(where: { $0.sid == sid }) else { return .failure(.notFound("/v1/Sinks/\(sid)")) }
        sinks.remove(at: index)
        return .success(())
    }

    /// `POST /v1/Sinks/{Sid}/Test`: a new test id replaces any earlier one and the sink is
    /// `validating` until it is validated.
    mutating func beginTest(_ sid: String, now: Int64) -> Result<SinkTestOrder, EventsAPIFailure> {
        guard let index = sinks.firstIndex(where: { $0.sid == sid }) else { return .failure(.notFound("/v1/Sinks/\(sid)/Test")) }
        guard let destination = sinks[index].destination else {
            return .failure(.invalid("The simulator sends test events to webhook sinks only; sink \(sid) is a \(sinks[index].sinkType) sink"))
        }
        let testID = Self.uuid(&rng)
        sinks[index].pendingTestID = testID
        sinks[index].status = .validating
        sinks[index].updated = now
        return .success(SinkTestOrder(testID: testID, destination: destination, batchEvents: sinks[index].batchEvents))
    }

    /// `POST /v1/Sinks/{Sid}/Validate`: the right test id makes the sink `active`; a wrong one
    /// answers 400 and changes nothing.
    mutating func validate(_ sid: String, testID: String?, now: Int64) -> Result<Void, EventsAPIFailure> {
        guard let index = sinks.firstIndex(where: { $0.sid == sid }) else { return .failure(.notFound("/v1/Sinks/\(sid)/Validate")) }
        guard let testID, !testID.isEmpty else { return .failure(.missing("TestId")) }
        guard let expected = sinks[index].pendingTestID else {
            return .failure(.invalid("Sink \(sid) has no test event to validate; create one with POST /v1/Sinks/\(sid)/Test first"))
        }
        guard testID == expected else {
            return .failure(.invalid("TestId '\(testID)' does not match the test_id of the last test event sent to sink \(sid)"))
        }
        sinks[index].status = .active
        sinks[index].pendingTestID = nil
        sinks[index].updated = now
        return .success(())
    }

    // MARK: Subscriptions

    /// `POST /v1/Subscriptions`: the sink must exist and be `active`, every type be known.
    mutating func createSubscription(description: String?, sinkSid: String?, types: [JSONValue], receiveFromSubaccounts: Bool?,
                                     now: Int64) -> Result<SubscriptionRecord, EventsAPIFailure> {
        guard let description, !description.isEmpty else { return .failure(.missing("Description")) }
        guard let sinkSid, !sinkSid.isEmpty else { return .failure(.missing("SinkSid")) }
        guard !types.isEmpty else { return .failure(.missing("Types")) }
        if let problem = activeSinkProblem(sinkSid) { return .failure(problem) }
        var subscribed: [SubscribedType] = []
        for (index, value) in types.enumerated() {
            guard case .object(let members) = value, case .string(let type)? = members.first(where: { $0.0 == "type" })?.1 else {
                return .failure(.invalid("Missing required input parameter event_types[\(index)].type"))
            }
            var version: Int?
            if let given = members.first(where: { $0.0 == "schema_version" })?.1 {
                guard case .int(let number) = given else {
                    return .failure(.invalid("event_types[\(index)].schema_version must be an integer"))
                }
                version = Int(number)
            }
            switch Self.resolve(type: type, version: version) {
            case .failure(let failure): return .failure(failure)
            case .success(let entry):
                subscribed.removeAll { $0.type == entry.type }
                subscribed.append(entry)
            }
        }
        let subscription = SubscriptionRecord(
            sid: Sid128.random(using: &rng).string(prefix: "DF"), description: description, sinkSid: sinkSid,
            receiveEventsFromSubaccounts: receiveFromSubaccounts ?? false, created: now, updated: now, types: subscribed)
        subscriptions.append(subscription)
        return .success(subscription)
    }

    func subscription(_ sid: String) -> SubscriptionRecord? {
        subscriptions.first { $0.sid == sid }
    }

    func listSubscriptions(sinkSid: String?) -> [SubscriptionRecord] {
        subscriptions.filter { sinkSid == nil || $0.sinkSid == sinkSid }
    }

    /// `POST /v1/Subscriptions/{Sid}`: description, the sink (which must be active) and whether
    /// subaccounts' events are included.
    mutating func updateSubscription(_ sid: String, description: String?, sinkSid: String?, receiveFromSubaccounts: Bool?,
                                     now: Int64) -> Result<SubscriptionRecord, EventsAPIFailure> {
        guard let index = subscriptions.firstIndex(where: { $0.sid == sid }) else {
            return .failure(.notFound("/v1/Subscriptions/\(sid)"))
        }
        if let sinkSid {
            if let problem = activeSinkProblem(sinkSid) { return .failure(problem) }
            subscriptions[index].sinkSid = sinkSid
        }
        if let description { subscriptions[index].description = description }
        if let receiveFromSubaccounts { subscriptions[index].receiveEventsFromSubaccounts = receiveFromSubaccounts }
        subscriptions[index].updated = now
        return .success(subscriptions[index])
    }

    mutating func deleteSubscription(_ sid: String) -> Result<Void, EventsAPIFailure> {
        guard let index = subscriptions.firstIndex(where: { $0.sid == sid }) else {
            return .failure(.notFound("/v1/Subscriptions/\(sid)"))
        }
        subscriptions.remove(at: index)
        return .success(())
    }

    /// `POST /v1/Subscriptions/{Sid}/SubscribedEvents` (201 for a new type, 200 when the type was
    /// there and only its version changes) and `POST …/SubscribedEvents/{Type}` (`mustExist`).
    mutating func putSubscribedType(_ sid: String, type: String?, version: Int?, mustExist: Bool,
                                    now: Int64) -> Result<(SubscribedType, created: Bool), EventsAPIFailure> {
        let path = "/v1/Subscriptions/\(sid)/SubscribedEvents" + (mustExist ? "/\(type ?? "")" : "")
        guard let index = subscriptions.firstIndex(where: { $0.sid == sid }) else { return .failure(.notFound(path)) }
        guard let type, !type.isEmpty else { return .failure(.missing("Type")) }
        let existing = subscriptions[index].types.firstIndex { $0.type == type }
        if mustExist, existing == nil { return .failure(.notFound(path)) }
        switch Self.resolve(type: type, version: version ?? existing.map { subscriptions[index].types[$0].schemaVersion }) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let entry):
            if let existing {
                subscriptions[index].types[existing] = entry
            } else {
                subscriptions[index].types.append(entry)
            }
            subscriptions[index].updated = now
            return .success((entry, existing == nil))
        }
    }

    mutating func deleteSubscribedType(_ sid: String, type: String, now: Int64) -> Result<Void, EventsAPIFailure> {
        let path = "/v1/Subscriptions/\(sid)/SubscribedEvents/\(type)"
        guard let index = subscriptions.firstIndex(where: { $0.sid == sid }),
              let position = subscriptions[index].types.firstIndex(where: { $0.type == type }) else { return .failure(.notFound(path)) }
        subscriptions[index].types.remove(at: position)
        subscriptions[index].updated = now
        return .success(())
    }

    // MARK: Delivery

    /// Where deliveries go now: each active webhook sink that some subscription names, with the
    /// types of all its subscriptions; nil while no subscription exists at all.
    func routes() -> [SinkRoute]? {
        guard !subscriptions.isEmpty else { return nil }
        return sinks.compactMap { sink in
            guard sink.status == .active, let destination = sink.destination else { return nil }
            let types = Set(subscriptions.filter { $0.sinkSid == sink.sid }.flatMap { $0.types.map(\.type) })
            return types.isEmpty ? nil : SinkRoute(destination: destination, batchEvents: sink.batchEvents, types: types)
        }
    }

    // MARK: Rules

    private func activeSinkProblem(_ sinkSid: String) -> EventsAPIFailure? {
        guard let sink = sink(sinkSid) else {
            return .invalid("Sink \(sinkSid) was not found; create it first with POST /v1/Sinks")
        }
        guard sink.status == .active else {
            return .invalid("Sink \(sinkSid) is not active (status \(sink.status.rawValue)); a subscription needs an active sink, "
                            + "so validate it first with POST /v1/Sinks/\(sinkSid)/Validate")
        }
        return nil
    }

    /// A known type with a version it has (its latest when none is given).
    static func resolve(type: String, version: Int?) -> Result<SubscribedType, EventsAPIFailure> {
        guard let entry = EventTypeCatalog.entry(type) else {
            return .failure(.invalid("Event type '\(type)' is not found in the system; GET /v1/Types lists the available types"))
        }
        if let version, !entry.versions.contains(version) {
            return .failure(.invalid("Schema version \(version) does not exist for event type '\(type)' (versions: "
                                     + entry.versions.map(String.init).joined(separator: ", ") + ")"))
        }
        return .success(SubscribedType(type: type, schemaVersion: version ?? entry.latestVersion))
    }

    /// A version-4 UUID from the generator, the shape of the `test_id` Twilio puts in test events.
    static func uuid(_ rng: inout SplitMix64) -> String {
        let hex = hexString(withUnsafeBytes(of: rng.next().bigEndian, Array.init) + withUnsafeBytes(of: rng.next().bigEndian, Array.init))
        let characters = Array(hex)
        var variant = characters
        variant[12] = "4"
        variant[16] = ["8", "9", "a", "b"][Int(characters[16].hexDigitValue ?? 0) & 3]
        let text = String(variant)
        func part(_ from: Int, _ to: Int) -> Substring {
            text[text.index(text.startIndex, offsetBy: from)..<text.index(text.startIndex, offsetBy: to)]
        }
        return [part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32)].joined(separator: "-")
    }
}

/// One active sink that subscriptions send events to, and the types they select.
struct SinkRoute: Sendable, Equatable {
    var destination: WebhookURL
    var batchEvents: Bool
    var types: Set<String>
}

extension Array where Element == (String, JSONValue) {
    /// The members as a JSON object's bytes.
    var rendered: [UInt8] { JSONValue.object(self).rendered }
}
