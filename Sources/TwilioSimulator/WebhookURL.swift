import Foundation

/// A sink URL as Twilio uses it: `user:pass@` is removed from the URL that is requested and
/// signed, and sent as `Authorization: Basic …` instead; any `#fragment` is dropped.
struct WebhookURL: Sendable, Equatable {
    /// The URL requested (before `bodySHA256` is appended), without userinfo.
    var requestURL: String
    var credentials: BasicAuthCredentials?

    init(parsing text: String) throws(SimulatorConfigurationError) {
        guard let schemeEnd = text.range(of: "://") else {
            throw SimulatorConfigurationError("Webhook URL \"\(text)\" has no scheme; expected http:// or https://.")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw SimulatorConfigurationError("Webhook URL \"\(text)\" uses scheme \"\(scheme)\"; expected http or https.")
        }
        var rest = text[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        var credentials: BasicAuthCredentials?
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            credentials = BasicAuthCredentials(
                user: String(parts[0]).removingPercentEncoding ?? String(parts[0]),
                password: parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            )
        }
        guard !authority.isEmpty else {
            throw SimulatorConfigurationError("Webhook URL \"\(text)\" has no host.")
        }
        self.requestURL = "\(scheme)://\(authority)\(tail.isEmpty ? "/" : String(tail))"
        self.credentials = credentials
    }
}

extension BasicAuthCredentials {
    /// The `Authorization` header value.
    var headerValue: String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}
