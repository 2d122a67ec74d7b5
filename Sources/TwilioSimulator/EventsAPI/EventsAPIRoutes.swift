import Hummingbird

/// The Events API of `events.twilio.com` (`/v1/Sinks`, `/v1/Subscriptions`, `/v1/Types` and
/// their children) on the simulator's listener: Basic auth, form-encoded bodies, Twilio's
/// paging and errors. A sink test sends its test event through the Event Streams sender.
struct EventsAPIRoutes: Sendable {
    var state: EventsAPIState
    var monitor: MonitorState
    var base: BaseURLBox
    var auth: TwilioBasicAuth
    var streams: EventStreamsService
    var ledger: DeliveryLedger

    static let maxBody = 1 << 20

    func register(on router: Router<SimulatorRequestContext>) {
        router.get("/v1/Sinks") { request, _ in await answer(request, write: false) { store, json, _ in listSinks(request, &store, json) } }
        router.post("/v1/Sinks") { request, _ in await answer(request, write: true) { store, json, form in createSink(&store, json, form) } }
        router.get("/v1/Sinks/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: false) { store, json, _ in
                store.sink(sid).map { .json(json.sink($0).rendered) } ?? failure(.notFound("/v1/Sinks/\(sid)"))
            }
        }
        router.post("/v1/Sinks/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, json, form in
                respond(store.updateSink(sid, description: form["Description"], now: now())) { .json(json.sink($0).rendered) }
            }
        }
        router.delete("/v1/Sinks/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, _, _ in respond(store.deleteSink(sid)) { Self.noContent } }
        }
        router.post("/v1/Sinks/{sid}/Test") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, _, _ in
                respond(store.beginTest(sid, now: now())) { order in
                    streams.enqueue([ledger.makeTestDelivery(testID: order.testID, target: order.destination,
                                                             batched: order.batchEvents, nowMs: monitor.clock.nowMs())])
                    return .json(Array(#"{"result":"submitted"}"#.utf8), status: 201)
                }
            }
        }
        router.post("/v1/Sinks/{sid}/Validate") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, _, form in
                respond(store.validate(sid, testID: form["TestId"], now: now())) { .json(Array(#"{"result":"valid"}"#.utf8), status: 201) }
            }
        }
        registerSubscriptions(on: router)
        router.get("/v1/Types") { request, _ in await answer(request, write: false) { _, json, _ in listTypes(request, json) } }
        router.get("/v1/Types/{type}") { request, context in
            let type = context.parameters.get("type") ?? ""
            return await answer(request, write: false) { _, json, _ in
                EventTypeCatalog.entry(type).map { .json(json.eventType($0).rendered) } ?? failure(.notFound("/v1/Types/\(type)"))
            }
        }
    }

    private func registerSubscriptions(on router: Router<SimulatorRequestContext>) {
        router.get("/v1/Subscriptions") { request, _ in
            await answer(request, write: false) { store, json, _ in
                let query = QueryString.parse(request.uri.query)
                let sinkSid = query["SinkSid"]
                return paged(query, key: "subscriptions", path: "/v1/Subscriptions", filters: sinkSid.map { [("SinkSid", $0)] } ?? [], json: json,
                             items: store.listSubscriptions(sinkSid: sinkSid).map { ($0.sid, json.subscription($0)) })
            }
        }
        router.post("/v1/Subscriptions") { request, _ in
            await answer(request, write: true) { store, json, form in
                var types: [JSONValue] = []
                for (index, text) in form.all("Types").enumerated() {
                    guard let value = JSONValue.parse(text) else {
                        return failure(.invalid("Types[\(index)] is not JSON: expected an object like {\"type\": \"com.twilio.iam.ip.blocked\", \"schema_version\": 2}"))
                    }
                    types.append(value)
                }
                guard case .success(let subaccounts) = form.bool("ReceiveEventsFromSubaccounts") else {
                    return failure(.invalid("ReceiveEventsFromSubaccounts must be true or false"))
                }
                let created = store.createSubscription(description: form["Description"], sinkSid: form["SinkSid"], types: types,
                                                       receiveFromSubaccounts: subaccounts, now: now())
                return respond(created) { .json(json.subscription($0).rendered, status: 201) }
            }
        }
        router.get("/v1/Subscriptions/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: false) { store, json, _ in
                store.subscription(sid).map { .json(json.subscription($0).rendered) } ?? failure(.notFound("/v1/Subscriptions/\(sid)"))
            }
        }
        router.post("/v1/Subscriptions/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, json, form in
                guard case .success(let subaccounts) = form.bool("ReceiveEventsFromSubaccounts") else {
                    return failure(.invalid("ReceiveEventsFromSubaccounts must be true or false"))
                }
                let updated = store.updateSubscription(sid, description: form["Description"], sinkSid: form["SinkSid"],
                                                       receiveFromSubaccounts: subaccounts, now: now())
                return respond(updated) { .json(json.subscription($0).rendered) }
            }
        }
        router.delete("/v1/Subscriptions/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, _, _ in respond(store.deleteSubscription(sid)) { Self.noContent } }
        }
        router.get("/v1/Subscriptions/{sid}/SubscribedEvents") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: false) { store, json, _ in
                guard let subscription = store.subscription(sid) else { return failure(.notFound("/v1/Subscriptions/\(sid)/SubscribedEvents")) }
                return paged(QueryString.parse(request.uri.query), key: "types", path: "/v1/Subscriptions/\(sid)/SubscribedEvents",
                             filters: [], json: json, items: subscription.types.map { ($0.type, json.subscribedEvent($0, subscription: sid)) })
            }
        }
        router.post("/v1/Subscriptions/{sid}/SubscribedEvents") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return await answer(request, write: true) { store, json, form in
                putType(&store, json, form, sid: sid, type: form["Type"], mustExist: false)
            }
        }
        router.get("/v1/Subscriptions/{sid}/SubscribedEvents/{type}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            let type = context.parameters.get("type") ?? ""
            return await answer(request, write: false) { store, json, _ in
                store.subscription(sid)?.types.first { $0.type == type }.map { .json(json.subscribedEvent($0, subscription: sid).rendered) }
                    ?? failure(.notFound("/v1/Subscriptions/\(sid)/SubscribedEvents/\(type)"))
            }
        }
        router.post("/v1/Subscriptions/{sid}/SubscribedEvents/{type}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            let type = context.parameters.get("type") ?? ""
            return await answer(request, write: true) { store, json, form in
                putType(&store, json, form, sid: sid, type: type, mustExist: true)
            }
        }
        router.delete("/v1/Subscriptions/{sid}/SubscribedEvents/{type}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            let type = context.parameters.get("type") ?? ""
            return await answer(request, write: true) { store, _, _ in
                respond(store.deleteSubscribedType(sid, type: type, now: now())) { Self.noContent }
            }
        }
    }

    // MARK: Handlers

    private func listSinks(_ request: Request, _ store: inout EventsAPIStore, _ json: EventsAPIJSON) -> APIResponse {
        let query = QueryString.parse(request.uri.query)
        var filters: [(String, String)] = []
        var inUse: Bool?
        if let text = query["InUse"] {
            guard let value = ["true": true, "false": false][text.lowercased()] else {
                return failure(.invalid("InUse must be true or false, not '\(text)'"))
            }
            inUse = value
            filters.append(("InUse", text))
        }
        let status = query["Status"]
        if let status {
            guard SinkStatus(rawValue: status) != nil else {
                return failure(.invalid("Status must be initialized, validating, active or failed, not '\(status)'"))
            }
            filters.append(("Status", status))
        }
        return paged(query, key: "sinks", path: "/v1/Sinks", filters: filters, json: json,
                     items: store.listSinks(inUse: inUse, status: status).map { ($0.sid, json.sink($0)) })
    }

    private func createSink(_ store: inout EventsAPIStore, _ json: EventsAPIJSON, _ form: FormBody) -> APIResponse {
        var configuration: JSONValue?
        if let text = form["SinkConfiguration"] {
            guard let parsed = JSONValue.parse(text) else {
                return failure(.invalid("SinkConfiguration is not JSON: expected an object like {\"destination\": \"https://…\", \"method\": \"POST\"}"))
            }
            configuration = parsed
        }
        let created = store.createSink(description: form["Description"], sinkType: form["SinkType"], configuration: configuration, now: now())
        return respond(created) { .json(json.sink($0).rendered, status: 201) }
    }

    private func listTypes(_ request: Request, _ json: EventsAPIJSON) -> APIResponse {
        let query = QueryString.parse(request.uri.query)
        let schemaID = query["SchemaId"]
        let entries = EventTypeCatalog.entries.filter { schemaID == nil || $0.schemaID == schemaID }
        return paged(query, key: "types", path: "/v1/Types", filters: schemaID.map { [("SchemaId", $0)] } ?? [], json: json,
                     items: entries.map { ($0.type, json.eventType($0)) })
    }

    private func putType(_ store: inout EventsAPIStore, _ json: EventsAPIJSON, _ form: FormBody, sid: String, type: String?,
                         mustExist: Bool) -> APIResponse {
        guard case .success(let version) = form.int("SchemaVersion") else {
            return failure(.invalid("SchemaVersion must be an integer"))
        }
        return respond(store.putSubscribedType(sid, type: type, version: version, mustExist: mustExist, now: now())) { result in
            .json(json.subscribedEvent(result.0, subscription: sid).rendered, status: result.created ? 201 : 200)
        }
    }

    // MARK: Plumbing

    private static let noContent = APIResponse(status: 204, contentType: "application/json", retryAfter: nil, wwwAuthenticate: nil, body: [])

    /// Authenticates, reads a form body for writes, and runs `body` on the store under its lock.
    private func answer(_ request: Request, write: Bool,
                        _ body: (inout EventsAPIStore, EventsAPIJSON, FormBody) -> APIResponse) async -> Response {
        let bytes: [UInt8]
        if write {
            guard let buffer = try? await request.body.collect(upTo: Self.maxBody) else {
                return failure(.invalid("The request body is larger than \(Self.maxBody) bytes")).hummingbirdResponse
            }
            bytes = Array(buffer.readableBytesView)
        } else {
            bytes = []
        }
        guard !monitor.credentialsRevoked, auth.accepts(request.headers[.authorization]) else {
            state.request(write: false) { _ in }
            return TwilioErrors.unauthorized().hummingbirdResponse
        }
        let json = EventsAPIJSON(baseURL: base.baseURL, accountSid: auth.accountSid)
        let form = FormBody(bytes)
        return state.request(write: write) { store in body(&store, json, form) }.hummingbirdResponse
    }

    private func paged(_ query: [String: String], key: String, path: String, filters: [(String, String)], json: EventsAPIJSON,
                       items: [(String, JSONValue)]) -> APIResponse {
        switch ListPaging.parse(query) {
        case .failure(let failure): return self.failure(failure)
        case .success(let paging):
            return .json(json.page(key: key, path: path, filters: filters, paging: paging, items: items.map { (key: $0.0, json: $0.1) }))
        }
    }

    private func respond<T>(_ result: Result<T, EventsAPIFailure>, _ success: (T) -> APIResponse) -> APIResponse {
        switch result {
        case .success(let value): success(value)
        case .failure(let failure): self.failure(failure)
        }
    }

    private func failure(_ failure: EventsAPIFailure) -> APIResponse {
        TwilioErrors.legacy(status: failure.status, code: failure.code, message: failure.message)
    }

    private func now() -> Int64 {
        CivilTime.floorDiv(monitor.clock.nowMs(), 1000)
    }
}
