/// A complete API answer before it becomes an HTTP response: status, content type, headers
/// it needs and the exact body bytes (kept as bytes so a `truncate` fault can cut them).
struct APIResponse: Sendable {
    var status: Int
    var contentType: String
    var retryAfter: String?
    var wwwAuthenticate: String?
    var body: [UInt8]

    static func json(_ body: [UInt8], status: Int = 200) -> APIResponse {
        APIResponse(status: status, contentType: "application/json", retryAfter: nil, wwwAuthenticate: nil, body: body)
    }
}

/// Twilio's error answers, in the shapes the REST API uses: the legacy
/// `{code, message, more_info, status}` object, or RFC 9457 `application/problem+json`.
enum TwilioErrors {
    static func legacy(status: Int, code: Int, message: String, moreInfoCode: Int? = nil) -> APIResponse {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"code\":")
        writer.integer(Int64(code))
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw(",\"more_info\":")
        writer.string("https://www.twilio.com/docs/errors/\(moreInfoCode ?? code)")
        writer.raw(",\"status\":")
        writer.integer(Int64(status))
        writer.raw("}")
        return .json(writer.bytes, status: status)
    }

    /// 401 with the `WWW-Authenticate` challenge Twilio sends.
    static func unauthorized() -> APIResponse {
        var response = legacy(status: 401, code: 20003, message: "Authenticate")
        response.wwwAuthenticate = "Basic realm=\"Twilio API\""
        return response
    }

    static func notFound(path: String) -> APIResponse {
        legacy(status: 404, code: 20404, message: "The requested resource \(path) was not found")
    }

    /// 400 for a parameter value the API cannot use.
    static func invalidParameter(_ name: String, value: String, expected: String) -> APIResponse {
        legacy(status: 400, code: 20001, message: "Invalid \(name): '\(value)' \(expected)")
    }

    static func invalidFilterCombination(_ names: [String]) -> APIResponse {
        legacy(
            status: 400, code: 400,
            message: "Invalid combination of AuditEvent filters, only one of ActorSid, EventType, ResourceSid, "
                + "ResourceType or SourceIpAddress may be specified per request (got \(names.joined(separator: ", ")))"
        )
    }

    static func tooManyRequests(retryAfter: Bool) -> APIResponse {
        var response = legacy(status: 429, code: 20429, message: "Too Many Requests")
        if retryAfter { response.retryAfter = "1" }
        return response
    }

    static func internalError() -> APIResponse {
        legacy(status: 500, code: 20500, message: "An internal server error has occurred")
    }

    /// 503 as RFC 9457 problem details.
    static func unavailable() -> APIResponse {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"type\":\"https://www.twilio.com/docs/errors/20503\",\"title\":\"Service Unavailable\",\"status\":503,")
        writer.raw("\"detail\":\"The service is temporarily unable to handle the request. Please retry later.\",\"code\":20503}")
        return APIResponse(status: 503, contentType: "application/problem+json", retryAfter: nil, wwwAuthenticate: nil, body: writer.bytes)
    }
}
