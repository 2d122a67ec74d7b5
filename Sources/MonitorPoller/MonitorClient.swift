import AsyncHTTPClient
import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches pages of Monitor Events over HTTPS with Basic auth and classifies every failure.
package struct MonitorClient: Sendable {
    package var baseURL: String
    package var username: String
    package var password: String
    package var requestTimeout: Duration
    /// Upper bound on one page's body (a 1000-event page is about 1 MB).
    package var maxBodyBytes: Int
    let http: HTTPClient

    package init(http: HTTPClient, baseURL: String, username: String, password: String, requestTimeout: Duration = .seconds(30), maxBodyBytes: Int = 64 << 20) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.username = username
        self.password = password
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// The first page URL of a list request for the given date range (`EndDate` omitted when nil).
    package func listURL(startDate: Timestamp, endDate: Timestamp?, pageSize: Int) -> String {
        var url = baseURL + "/v1/Events?StartDate=" + Self.encode(startDate.rfc3339Seconds)
        if let endDate { url += "&EndDate=" + Self.encode(endDate.rfc3339Seconds) }
        url += "&PageSize=\(pageSize)"
        return url
    }

    /// GETs one page (the URL is used verbatim, as `meta.next_page_url` requires).
    package func fetchPage(_ url: String, clock: WallClock = .system) async throws(MonitorAPIError) -> MonitorPage {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let credentials = Data("\(username):\(password)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "twilio-siem-forwarder/\(ForwarderVersion.current)")
        let response: (status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer)
        do {
            // AsyncHTTPClient's timeout ends at the response head; the body must arrive in time too.
            response = try await Self.within(requestTimeout) { [http, request, maxBodyBytes, requestTimeout] in
                let head = try await http.execute(request, timeout: .milliseconds(requestTimeout.milliseconds))
                return (head.status, head.headers, try await head.body.collect(upTo: maxBodyBytes))
            }
        } catch {
            throw MonitorAPIError(kind: .transport, message: describe(error), url: url)
        }
        let bytes = Array(response.body.readableBytesView)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let decoded = TwilioErrorBody.decode(bytes)
            let kind: MonitorAPIError.Kind
            switch status {
            case 401, 403: kind = .unauthorized
            case 429, 500...599: kind = .unavailable
            default: kind = .rejected
            }
            throw MonitorAPIError(
                kind: kind, status: status, twilioCode: decoded.code,
                message: decoded.message ?? response.status.reasonPhrase, moreInfo: decoded.moreInfo,
                retryAfter: Self.retryAfter(response.headers.first(name: "Retry-After"), now: clock.now()), url: url
            )
        }
        do {
            return try MonitorPage(decoding: bytes, receivedAt: clock.now())
        } catch {
            throw MonitorAPIError(kind: .transport, status: status, message: "the response body is not a Monitor Events page (\(error))", url: url)
        }
    }

    /// `Retry-After` as delta-seconds or an HTTP-date.
    static func retryAfter(_ header: String?, now: Timestamp) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        let ms = Int64(date.timeIntervalSince1970 * 1000) - now.epochMilliseconds
        return .milliseconds(max(0, ms))
    }

    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// What went wrong with the exchange, as the end of a sentence an operator can act on.
    func describe(_ error: any Error) -> String {
        let timeout = DurationText.format(requestTimeout)
        switch error {
        case is RequestTimedOut:
            return "no complete answer within the request timeout of \(timeout) (sources.monitor.request_timeout)"
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout:
                return "no complete answer within the request timeout of \(timeout) (sources.monitor.request_timeout)"
            case .remoteConnectionClosed:
                return "the connection closed before the answer was complete"
            default:
                return "\(error)"
            }
        case let error as IOError where error.errnoCode == ECONNRESET:
            return "the connection was reset before the answer was complete"
        case let error as IOError:
            return "the connection failed (\(String(cString: strerror(error.errnoCode))))"
        case is NIOTooManyBytesError:
            return "the answer is larger than \(maxBodyBytes) bytes"
        default:
            return String(describing: error)
        }
    }

    /// Runs `body`, cancelling it with ``RequestTimedOut`` if it takes longer than `timeout`.
    static func within<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw RequestTimedOut() }
            return value
        }
    }
}

/// A request (head and body) took longer than the request timeout.
struct RequestTimedOut: Error {}
