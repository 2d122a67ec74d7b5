import Foundation
import Hummingbird

/// `GET /v1/Events` and `GET /v1/Events/{Sid}`: Basic auth, Twilio's errors, revoked
/// credentials and the injected faults. Every `/v1/` request is counted, faulted or not.
struct MonitorRoutes: Sendable {
    var state: MonitorState
    var base: BaseURLBox
    var accountSid: String
    var authToken: String
    var precision: FilterPrecision
    var slowResponseDelay: Duration
    var latency: ResponseLatency?
    var concurrency: ConcurrencyLimit?
    var jitter: LatencyJitter

    func register(on router: Router<SimulatorRequestContext>) {
        router.get("/v1/Events") { request, context in
            try await self.respond(request, context, kind: .list) { self.list(request) }
        }
        router.get("/v1/Events/{sid}") { request, context in
            let sid = context.parameters.get("sid") ?? ""
            return try await self.respond(request, context, kind: .fetch) { self.fetch(sid: sid) }
        }
        router.get("/v1/**") { request, context in
            try await self.respond(request, context, kind: .other) { TwilioErrors.notFound(path: request.uri.path) }
        }
    }

    /// Revoked credentials refuse everything; otherwise faults first (as a flaky front end
    /// would), then authentication, then the answer.
    private func respond(
        _ request: Request, _ context: SimulatorRequestContext, kind: MonitorState.RequestKind,
        _ answer: () -> APIResponse
    ) async throws -> Response {
        if let concurrency {
            guard concurrency.enter() else {
                state.countConcurrencyRefusal()
                return TwilioErrors.tooManyRequests(retryAfter: false).hummingbirdResponse
            }
        }
        defer { concurrency?.leave() }
        if let latency {
            try await Task.sleep(for: latency.delay(unit: jitter.next()))
        }
        let hasPageToken = !(QueryString.parse(request.uri.query)["PageToken"] ?? "").isEmpty
        let decision = state.beginRequest(kind, hasPageToken: hasPageToken)
        if decision.revoked {
            state.countUnauthorized()
            return TwilioErrors.unauthorized().hummingbirdResponse
        }
        switch decision.fault {
        case .tooManyRequests: return TwilioErrors.tooManyRequests(retryAfter: decision.coin).hummingbirdResponse
        case .tooManyRequestsWithRetryAfter: return TwilioErrors.tooManyRequests(retryAfter: true).hummingbirdResponse
        case .tooManyRequestsWithoutRetryAfter: return TwilioErrors.tooManyRequests(retryAfter: false).hummingbirdResponse
        case .internalError: return TwilioErrors.internalError().hummingbirdResponse
        case .unavailable: return TwilioErrors.unavailable().hummingbirdResponse
        case .pageNotFound: return TwilioErrors.notFound(path: request.uri.path).hummingbirdResponse
        case .reset: try await FaultInjection.reset(context.channel)
        case .slow, .truncate, nil: break
        }
        guard isAuthorized(request) else {
            state.countUnauthorized()
            return TwilioErrors.unauthorized().hummingbirdResponse
        }
        let response = answer()
        switch decision.fault {
        case .truncate: return FaultInjection.truncated(response, closeEarly: decision.coin)
        case .slow: return FaultInjection.slowBody(response, delay: slowResponseDelay)
        default: return response.hummingbirdResponse
        }
    }

    private func list(_ request: Request) -> APIResponse {
        let parameters = QueryString.parse(request.uri.query)
        switch EventListRequest.parse(parameters, precision: precision, catalog: state.catalog) {
        case .failure(let error):
            return error.response
        case .success(let listRequest):
            let page = state.page(for: listRequest, nowMs: state.clock.nowMs())
            let (baseURL, json) = base.current(catalog: state.catalog)
            return .json(EventListingJSON.render(page: page, request: listRequest, json: json, baseURL: baseURL))
        }
    }

    private func fetch(sid: String) -> APIResponse {
        let path = "/v1/Events/\(sid)"
        guard let value = Sid128(parsing: sid, prefix: "AE"),
              let record = state.visibleRecord(sid: value, nowMs: state.clock.nowMs())
        else { return TwilioErrors.notFound(path: path) }
        return .json(base.current(catalog: state.catalog).json.object(record))
    }

    private func isAuthorized(_ request: Request) -> Bool {
        TwilioBasicAuth(accountSid: accountSid, authToken: authToken).accepts(request.headers[.authorization])
    }
}
