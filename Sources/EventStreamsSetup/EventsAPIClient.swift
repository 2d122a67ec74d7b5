import AsyncHTTPClient
import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1

/// The calls `event-streams setup` and `status` make to Twilio's Events API, form-encoded as
/// Twilio takes them, Basic-authenticated, lists followed through `meta.next_page_url`.
package struct EventsAPIClient: Sendable {
    package var http: HTTPClient
    /// `https://events.twilio.com` (or the simulator's base URL), no trailing slash.
    package var baseURL: String
    package var username: String
    package var password: String
    package var timeout: Duration

    package init(http: HTTPClient, baseURL: String, username: String, password: String, timeout: Duration = .seconds(30)) {
        self.http = http
        self.baseURL = baseURL
        self.username = username
        self.password = password
        self.timeout = timeout
    }

    // MARK: Sinks

    package func listSinks() async throws(EventsAPIError) -> [EventStreamsSink] {
        try await list("/v1/Sinks?PageSize=100", key: "sinks", operation: "list the sinks").compactMap(EventStreamsSink.init(json:))
    }

    package func createSink(_ request: SinkRequest) async throws(EventsAPIError) -> EventStreamsSink {
        let json = try await call(.POST, "/v1/Sinks", form: request.form, operation: "create the webhook sink",
                                  refusal: "check sources.event_streams.public_url (\(request.destination)): it must be an http or https URL")
        guard let sink = EventStreamsSink(json: json) else { throw malformed("create the webhook sink") }
        return sink
    }

    package func testSink(_ sid: String) async throws(EventsAPIError) {
        _ = try await call(.POST, "/v1/Sinks/\(sid)/Test", form: [], operation: "send a test event to sink \(sid)",
                           refusal: "check the sink in the Twilio console")
    }

    package func validateSink(_ sid: String, testID: String) async throws(EventsAPIError) {
        _ = try await call(.POST, "/v1/Sinks/\(sid)/Validate", form: [("TestId", testID)], operation: "validate sink \(sid) with test id \(testID)",
                           refusal: "a newer test event replaced this one (another setup running at the same time?); run setup again")
    }

    // MARK: Subscriptions

    /// The subscriptions that send to `sinkSid`, each with its subscribed event types.
    package func subscriptions(sinkSid: String) async throws(EventsAPIError) -> [EventStreamsSubscription] {
        let items = try await list("/v1/Subscriptions?SinkSid=\(sinkSid)&PageSize=100", key: "subscriptions",
                                   operation: "list the subscriptions of sink \(sinkSid)")
        var result: [EventStreamsSubscription] = []
        for item in items {
            guard var subscription = EventStreamsSubscription(json: item) else { continue }
            subscription.types = try await list("/v1/Subscriptions/\(subscription.sid)/SubscribedEvents?PageSize=100", key: "types",
                                                operation: "list the event types of subscription \(subscription.sid)")
                .compactMap(SubscribedEventType.init(json:))
            result.append(subscription)
        }
        return result
    }

    package func createSubscription(_ request: SubscriptionRequest) async throws(EventsAPIError) -> EventStreamsSubscription {
        let json = try await call(.POST, "/v1/Subscriptions", form: request.form, operation: "create the subscription",
                                  refusal: Self.typeRefusal)
        guard let subscription = EventStreamsSubscription(json: json) else { throw malformed("create the subscription") }
        return subscription
    }

    package func updateSubscription(_ sid: String, receiveEventsFromSubaccounts: Bool) async throws(EventsAPIError) {
        _ = try await call(.POST, "/v1/Subscriptions/\(sid)", form: [("ReceiveEventsFromSubaccounts", String(receiveEventsFromSubaccounts))],
                           operation: "update subscription \(sid)", refusal: "check sources.event_streams.receive_events_from_subaccounts")
    }

    package func addType(_ subscription: String, _ type: EventTypeSubscription) async throws(EventsAPIError) {
        var form = [("Type", type.type)]
        if let version = type.schemaVersion { form.append(("SchemaVersion", String(version))) }
        _ = try await call(.POST, "/v1/Subscriptions/\(subscription)/SubscribedEvents", form: form,
                           operation: "add \(type.type) to subscription \(subscription)", refusal: Self.typeRefusal)
    }

    package func updateType(_ subscription: String, _ type: String, schemaVersion: Int) async throws(EventsAPIError) {
        _ = try await call(.POST, "/v1/Subscriptions/\(subscription)/SubscribedEvents/\(type)", form: [("SchemaVersion", String(schemaVersion))],
                           operation: "set \(type) of subscription \(subscription) to schema version \(schemaVersion)", refusal: Self.typeRefusal)
    }

    package func removeType(_ subscription: String, _ type: String) async throws(EventsAPIError) {
        _ = try await call(.DELETE, "/v1/Subscriptions/\(subscription)/SubscribedEvents/\(type)", form: [],
                           operation: "remove \(type) from subscription \(subscription)", refusal: "check the subscription in the Twilio console")
    }

    static let typeRefusal = "check sources.event_streams.subscribe: every type must be one Twilio lists (GET /v1/Types, "
        + "`twilio api:events:v1:types:list`) and every schema_version one it has"

    // MARK: Plumbing

    /// Every item of a list, following `meta.next_page_url` (absolute, used verbatim).
    private func list(_ path: String, key: String, operation: String) async throws(EventsAPIError) -> [JSONValue] {
        var items: [JSONValue] = []
        var next: String? = baseURL + path
        var pages = 0
        while let url = next, pages < 100 {
            let page = try await call(.GET, url: url, form: [], operation: operation, refusal: "check sources.event_streams.events_api_url")
            guard case .array(let found)? = page[key] else { throw malformed(operation) }
            items += found
            next = page["meta"]?["next_page_url"]?.stringValue
            pages += 1
        }
        return items
    }

    private func call(_ method: HTTPMethod, _ path: String, form: [(String, String)], operation: String,
                      refusal: String) async throws(EventsAPIError) -> JSONValue {
        try await call(method, url: baseURL + path, form: form, operation: operation, refusal: refusal)
    }

    private func call(_ method: HTTPMethod, url: String, form: [(String, String)], operation: String,
                      refusal: String) async throws(EventsAPIError) -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "twilio-siem-forwarder/\(ForwarderVersion.current)")
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(timeout.nanosecondsRounded))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 8 << 20)
        } catch {
            throw EventsAPIError.unreachable(operation: operation, url: baseURL, error: "\(error)")
        }
        let json = try? JSONReader.parse(Array(body.readableBytesView))
        guard (200..<300).contains(status) else {
            throw EventsAPIError(operation: operation, status: status, twilioCode: json?["code"]?.scalarText.flatMap { Int($0) },
                                 message: json?["message"]?.stringValue ?? json?["detail"]?.stringValue ?? "no error message",
                                 advice: EventsAPIError.advice(status: status, refusal: refusal))
        }
        if status == 204 { return .null }
        guard let json else { throw malformed(operation) }
        return json
    }

    private func malformed(_ operation: String) -> EventsAPIError {
        EventsAPIError(operation: operation, status: 200, twilioCode: nil, message: "the answer is not the JSON the Events API documents",
                       advice: "check sources.event_streams.events_api_url (\(baseURL)): it must be Twilio's Events API")
    }
}

/// The form of a webhook sink for `public_url`: `SinkType=webhook`, method POST, batching as configured.
package struct SinkRequest: Sendable, Equatable {
    package var description: String
    package var destination: String
    package var batchEvents: Bool

    package init(description: String, destination: String, batchEvents: Bool) {
        self.description = description
        self.destination = destination
        self.batchEvents = batchEvents
    }

    /// `SinkConfiguration` as the JSON Twilio takes.
    package var configuration: String {
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"destination\":")
        buffer.writeJSONString(destination)
        buffer.writeStaticString(",\"method\":\"POST\",\"batch_events\":")
        buffer.writeStaticString(batchEvents ? "true" : "false")
        buffer.writeStaticString("}")
        return String(buffer: buffer)
    }

    var form: [(String, String)] {
        [("Description", description), ("SinkType", "webhook"), ("SinkConfiguration", configuration)]
    }
}

/// The form of the subscription: one `Types` parameter per type, each the JSON object Twilio takes.
package struct SubscriptionRequest: Sendable, Equatable {
    package var description: String
    package var sinkSid: String
    package var types: [EventTypeSubscription]
    package var receiveEventsFromSubaccounts: Bool

    package init(description: String, sinkSid: String, types: [EventTypeSubscription], receiveEventsFromSubaccounts: Bool) {
        self.description = description
        self.sinkSid = sinkSid
        self.types = types
        self.receiveEventsFromSubaccounts = receiveEventsFromSubaccounts
    }

    /// `{"type":"…","schema_version":N}` (no version: Twilio's latest).
    static func typeJSON(_ type: EventTypeSubscription) -> String {
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"type\":")
        buffer.writeJSONString(type.type)
        if let version = type.schemaVersion { buffer.writeString(",\"schema_version\":\(version)") }
        buffer.writeStaticString("}")
        return String(buffer: buffer)
    }

    var form: [(String, String)] {
        var pairs = [("Description", description), ("SinkSid", sinkSid)]
        pairs += types.map { ("Types", Self.typeJSON($0)) }
        if receiveEventsFromSubaccounts { pairs.append(("ReceiveEventsFromSubaccounts", "true")) }
        return pairs
    }
}

/// `application/x-www-form-urlencoded`: RFC 3986 unreserved characters as they are, everything
/// else percent-encoded (spaces as `%20`).
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension Duration {
    var nanosecondsRounded: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
