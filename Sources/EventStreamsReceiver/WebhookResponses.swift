import ForwarderCore
import Hummingbird

/// Why a delivery was refused: the status Twilio sees, a one-sentence reason for the JSON body,
/// and the metric label. Statuses follow the contract: only a delivery that will never succeed
/// gets a 4xx other than 429. Back-pressure (too many waiting, a slow commit, stopping) is 429;
/// a failure of this side (journal error, no auth token configured) is 503; both carry `Retry-After`.
struct WebhookRejection: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    var reason: String
    /// The `reason` label of `siem_forwarder_event_streams_rejected_total`.
    var metricReason: String

    init(_ status: HTTPResponse.Status, _ metricReason: String, _ reason: String) {
        self.status = status
        self.reason = reason
        self.metricReason = metricReason
    }

    static func forbiddenAddress(_ address: String) -> Self {
        .init(.forbidden, "address", "the client address \(address) is not in allow_cidrs")
    }
    static let unsupportedMediaType = Self(.unsupportedMediaType, "content_type",
        "the Content-Type must be application/json (or application/cloudevents+json, application/cloudevents-batch+json)")
    static func tooLarge(_ limit: Int) -> Self {
        .init(.contentTooLarge, "too_large", "the body is larger than max_body_bytes (\(limit) bytes)")
    }
    static let basicAuth = Self(.unauthorized, "basic_auth", "the delivery lacks the configured Basic credentials")
    static let signatureMissing = Self(.unauthorized, "signature_missing", "the X-Twilio-Signature header is missing")
    static let signatureInvalid = Self(.forbidden, "signature_invalid",
        "the X-Twilio-Signature does not match public_url and auth_token")
    static let bodyHashMissing = Self(.unauthorized, "body_hash_missing",
        "the URL has no bodySHA256 query parameter, so the body cannot be verified")
    static let bodyHashMismatch = Self(.forbidden, "body_hash_mismatch",
        "the body's SHA-256 does not match the bodySHA256 query parameter")
    static let overloaded = Self(.tooManyRequests, "overloaded",
        "too many deliveries are waiting to be stored; retry shortly")
    static let stopping = Self(.tooManyRequests, "stopping", "the forwarder is shutting down; retry shortly")
    static let noToken = Self(.serviceUnavailable, "no_auth_token",
        "the receiver has no auth_token or public_url to check signatures with; fix the configuration")
    static func malformed(_ error: CloudEventDecodingError) -> Self {
        .init(.badRequest, "malformed", error.reason)
    }
    static let journal = Self(.serviceUnavailable, "journal", "the events could not be stored; retry shortly")
    static let commitTimeout = Self(.tooManyRequests, "commit_timeout",
        "storing the events is taking too long; they may be stored already, retry shortly")

    /// Whether Twilio should retry: the answer carries `Retry-After`.
    var isTransient: Bool { status == .tooManyRequests || status.code >= 500 }
}

/// The JSON answers of the webhook route.
enum WebhookResponses {
    static let jsonType = "application/json; charset=utf-8"

    /// `{"error": "<reason>"}` with the rejection's status and headers.
    static func response(for rejection: WebhookRejection) -> Response {
        var body = ByteBuffer()
        body.writeStaticString(#"{"error":"#)
        body.writeJSONString(rejection.reason)
        body.writeStaticString("}")
        var headers: HTTPFields = [.contentType: jsonType]
        if rejection.isTransient { headers[.retryAfter] = "1" }
        if rejection == .basicAuth {
            headers[.wwwAuthenticate] = #"Basic realm="event-streams""#
        }
        return Response(status: rejection.status, headers: headers, body: .init(byteBuffer: body))
    }

    /// `{"accepted": N, "duplicates": M}` once the events are durable.
    static func accepted(_ outcome: IngestOutcome) -> Response {
        var body = ByteBuffer()
        body.writeString(#"{"accepted":\#(outcome.inserted),"duplicates":\#(outcome.duplicates)}"#)
        return Response(status: .ok, headers: [.contentType: jsonType], body: .init(byteBuffer: body))
    }
}
