import Foundation
import Yams

/// Reading `sources.monitor` and `sources.event_streams`.
extension SourcesConfig {
    static let keys = ["monitor", "event_streams"]

    static func read(_ mapping: ConfigMapping) -> SourcesConfig? {
        guard mapping.has("monitor") || mapping.has("event_streams") else {
            mapping.reportHere("at least one source is required: monitor, event_streams or both")
            return nil
        }
        let monitor = mapping.section("monitor", keys: MonitorSourceConfig.keys).map(MonitorSourceConfig.read)
        let eventStreams = mapping.section("event_streams", keys: EventStreamsSourceConfig.keys)
            .map(EventStreamsSourceConfig.read)
        return SourcesConfig(monitor: monitor ?? nil, eventStreams: eventStreams ?? nil)
    }
}

extension MonitorSourceConfig {
    static let keys = [
        "base_url", "account_sid", "username", "password", "password_file", "poll_interval", "lookback",
        "page_size", "start_from", "backfill", "request_timeout", "retry",
    ]

    static func read(_ mapping: ConfigMapping) -> MonitorSourceConfig? {
        let baseURL = mapping.httpURL("base_url").map(trimmingTrailingSlashes) ?? "https://monitor.twilio.com"
        let accountSid = mapping.string("account_sid", required: true) {
            isTwilioSid($0, prefix: "AC") ? nil
                : "expected an account SID (AC followed by 32 hex digits), got \(ConfigReader.quoted($0))"
        }
        let username = mapping.string("username") {
            $0.hasPrefix("AC") || $0.hasPrefix("SK") ? nil
                : "expected an account SID (AC…) or an API key SID (SK…), got \(ConfigReader.quoted($0))"
        }
        let password = mapping.secret("password", fileKey: "password_file", required: true)
        if password?.isEmpty == true {
            mapping.report("must not be empty", at: mapping.has("password_file") ? "password_file" : "password")
        }
        let pollInterval = mapping.duration("poll_interval", atLeast: .milliseconds(1))
        let lookback = mapping.duration("lookback")
        let pageSize = mapping.int("page_size", in: 1...1000)
        let start = readStart(mapping)
        let requestTimeout = mapping.duration("request_timeout", atLeast: .milliseconds(1))
        let retry = RetryConfig.read(mapping, key: "retry")
        guard let accountSid, let password, !password.isEmpty else { return nil }
        let defaults = MonitorSourceConfig(accountSid: accountSid, password: password)
        return MonitorSourceConfig(
            baseURL: baseURL, accountSid: accountSid, username: username, password: password,
            pollInterval: pollInterval ?? defaults.pollInterval, lookback: lookback ?? defaults.lookback,
            pageSize: pageSize ?? defaults.pageSize, start: start ?? defaults.start,
            requestTimeout: requestTimeout ?? defaults.requestTimeout, retry: retry)
    }

    private static func readStart(_ mapping: ConfigMapping) -> MonitorStart? {
        if mapping.has("start_from"), mapping.has("backfill") {
            mapping.report("give either start_from or backfill, not both", at: "backfill")
            return nil
        }
        if mapping.has("start_from") {
            return mapping.value("start_from", required: true,
                                 expected: "a date like 2026-11-01 or an RFC 3339 timestamp like 2026-11-01T08:15:00Z",
                                 convert: ConfigDateText.epochMilliseconds)
                .map { MonitorStart.from(epochMilliseconds: $0) }
        }
        return mapping.duration("backfill", required: mapping.has("backfill")).map(MonitorStart.backfill)
    }

    static func isTwilioSid(_ text: String, prefix: String) -> Bool {
        text.hasPrefix(prefix) && text.count == prefix.count + 32
            && text.dropFirst(prefix.count).allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    static func trimmingTrailingSlashes(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}

extension EventStreamsSourceConfig {
    static let keys = [
        "path", "public_url", "auth_token", "auth_token_file", "insecure_skip_signature", "max_body_bytes",
        "allowed_delay", "basic_auth", "allow_cidrs", "max_pending_requests",
    ] + EventStreamsSetupConfig.keys

    static func read(_ mapping: ConfigMapping) -> EventStreamsSourceConfig? {
        let defaults = EventStreamsSourceConfig()
        let path = mapping.string("path") { $0.hasPrefix("/") ? nil : "must start with \"/\", got \(ConfigReader.quoted($0))" }
        let insecureValue = mapping.bool("insecure_skip_signature")
        let insecure = insecureValue ?? false
        // When insecure_skip_signature itself is wrong, that is the one problem to report about signatures.
        let checkSignatureKeys = !insecure && (insecureValue != nil || mapping.node("insecure_skip_signature") == nil)
        let publicURL = mapping.httpURL("public_url")
        if mapping.node("public_url") == nil, checkSignatureKeys {
            mapping.reportHere("missing required key \"public_url\" (the URL Twilio posts to, needed to check "
                               + "signatures; only insecure_skip_signature: true goes without)")
        }
        let tokenGiven = mapping.node("auth_token") != nil || mapping.node("auth_token_file") != nil
        var authToken = mapping.secret("auth_token", fileKey: "auth_token_file", required: false)
        if authToken?.isEmpty == true {
            if checkSignatureKeys {
                mapping.report("must not be empty", at: mapping.has("auth_token_file") ? "auth_token_file" : "auth_token")
            }
            authToken = nil
        } else if !tokenGiven, checkSignatureKeys {
            mapping.reportHere("missing required key \"auth_token\" (or \"auth_token_file\"): the auth token that signs "
                               + "deliveries; only insecure_skip_signature: true goes without")
        }
        var basicAuth = mapping.section("basic_auth", keys: BasicAuthConfig.keys).map(BasicAuthConfig.read) ?? nil
        // A sink URL with user:password@ makes Twilio send them as Basic credentials: require them.
        if let fromURL = publicURL.flatMap(BasicAuthConfig.init(userinfoOf:)) {
            if fromURL.username.contains(":") {
                mapping.report("the user name in public_url must not contain \":\" (Basic credentials cannot carry it)", at: "public_url")
            } else if basicAuth == nil, mapping.node("basic_auth") == nil {
                basicAuth = fromURL
            } else if let configured = basicAuth, configured != fromURL {
                mapping.report("differs from the user:password in public_url; give the credentials in one place", at: "basic_auth")
            }
        }
        return EventStreamsSourceConfig(
            path: path ?? defaults.path, publicURL: publicURL, authToken: authToken, insecureSkipSignature: insecure,
            maxBodyBytes: mapping.size("max_body_bytes", in: 1...Int.max) ?? defaults.maxBodyBytes,
            allowedDelay: mapping.duration("allowed_delay") ?? defaults.allowedDelay,
            basicAuth: basicAuth,
            allowCIDRs: readCIDRs(mapping),
            maxPendingRequests: mapping.int("max_pending_requests", in: 1...Int.max) ?? defaults.maxPendingRequests,
            setup: EventStreamsSetupConfig.read(mapping))
    }

    private static func readCIDRs(_ mapping: ConfigMapping) -> [String] {
        guard let nodes = mapping.list("allow_cidrs") else { return [] }
        return nodes.enumerated().compactMap { index, node in
            let path = mapping.keyPath("allow_cidrs") + "[\(index)]"
            guard let text = mapping.reader.text(node, path: path, expected: "an address range like 10.0.0.0/8") else {
                return nil
            }
            guard ConfigAddressText.isCIDR(text) else {
                mapping.reader.report("expected an IPv4 or IPv6 address or CIDR range like 10.0.0.0/8 or 2001:db8::/32, "
                                      + "got \(ConfigReader.quoted(text))", at: node, key: path)
                return nil
            }
            return text
        }
    }
}

extension BasicAuthConfig {
    static let keys = ["username", "password", "password_file"]

    /// The `user:password` of an http(s) URL, percent-decoded once, when it has both.
    init?(userinfoOf url: String) {
        guard let parsed = URL(string: url),
              let user = parsed.user(percentEncoded: true)?.removingPercentEncoding, !user.isEmpty,
              let password = parsed.password(percentEncoded: true)?.removingPercentEncoding, !password.isEmpty else {
            return nil
        }
        self.init(username: user, password: password)
    }

    static func read(_ mapping: ConfigMapping) -> BasicAuthConfig? {
        let username = mapping.string("username", required: true) { $0.contains(":") ? "must not contain \":\"" : nil }
        let password = mapping.secret("password", fileKey: "password_file", required: true)
        if password?.isEmpty == true {
            mapping.report("must not be empty", at: mapping.has("password_file") ? "password_file" : "password")
        }
        guard let username, let password, !password.isEmpty else { return nil }
        return BasicAuthConfig(username: username, password: password)
    }
}
