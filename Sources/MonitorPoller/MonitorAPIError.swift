/// A failure talking to the Monitor Events API, classified so the poller knows whether to retry.
package struct MonitorAPIError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is, which decides retry or stop.
    package enum Kind: Sendable, Equatable {
        /// 401/403: the credentials are wrong or lack access. Retrying will not help.
        case unauthorized
        /// Any other 4xx: the request itself is wrong (filters, page size, URL).
        case rejected
        /// 429 or 5xx: the API is busy or failing; retry after a delay.
        case unavailable
        /// Connection refused/reset, timeout, truncated or unreadable body; retry.
        case transport
    }

    package var kind: Kind
    package var status: Int?
    package var twilioCode: Int?
    package var message: String
    package var moreInfo: String?
    package var retryAfter: Duration?
    package var url: String

    package init(kind: Kind, status: Int? = nil, twilioCode: Int? = nil, message: String, moreInfo: String? = nil, retryAfter: Duration? = nil, url: String) {
        self.kind = kind
        self.status = status
        self.twilioCode = twilioCode
        self.message = message
        self.moreInfo = moreInfo
        self.retryAfter = retryAfter
        self.url = url
    }

    package var isRetryable: Bool { kind == .unavailable || kind == .transport }

    package var description: String {
        let code = twilioCode.map { ", Twilio \($0)" } ?? ""
        let info = moreInfo.map { " (see \($0))" } ?? ""
        switch kind {
        case .unauthorized:
            return "Monitor API refused the credentials (HTTP \(status ?? 401)\(code)): \(message)\(info); check sources.monitor.account_sid, username and password."
        case .rejected:
            return "Monitor API rejected the request \(url) (HTTP \(status ?? 400)\(code)): \(message)\(info)."
        case .unavailable:
            return "Monitor API is unavailable (HTTP \(status ?? 0)\(code)): \(message)\(info); retrying."
        case .transport:
            return "Could not read from the Monitor API at \(url): \(message); retrying."
        }
    }
}
