import Foundation

/// Reading `sources.monitor`, `sources.event_streams` and `sources.nats`.
extension SourcesConfig {
    static func read(_ mapping: ConfigMapping) -> SourcesConfig? {
        guard mapping.has("monitor") || mapping.has("event_streams") || mapping.has("nats") else {
            mapping.reportHere("at least one source is required: monitor, event_streams, nats, or several of them")
            return nil
        }
        let monitor = mapping.section("monitor").map(MonitorSourceConfig.read)
        let eventStreams = mapping.section("event_streams").map(EventStreamsSourceConfig.read)
        let nats = mapping.section("nats").map(NATSSourceConfig.read)
        return SourcesConfig(monitor: monitor ?? nil, eventStreams: eventStreams ?? nil, nats: nats ?? nil)
    }
}

extension MonitorSourceConfig {
    static func read(_ mapping: ConfigMapping) -> MonitorSourceConfig? {
        let baseURL = mapping.httpURL("base_url").map(trimmingTrailingSlashes)
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
        return MonitorSourceConfig(
            baseURL: baseURL, accountSid: accountSid, username: username, password: password, pollInterval: pollInterval,
            lookback: lookback, pageSize: pageSize, start: start, requestTimeout: requestTimeout, retry: retry)
    }

    private static func readStart(_ mapping: ConfigMapping) -> MonitorStart? {
        if mapping.has("start_from"), mapping.has("backfill") {
            mapping.report("give either start_from or backfill, not both", at: "backfill")
            return nil
        }
        if mapping.has("start_from") {
            return mapping.value("start_from", required: true,
                                 expected: "a date like 2026-11-01 or an RFC 3339 timestamp like 2026-11-01T08:15:00Z",
                                 convert: { Timestamp($0, form: .rfc3339)?.epochMilliseconds })
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
    static func read(_ mapping: ConfigMapping) -> EventStreamsSourceConfig? {
        let path = mapping.string("path") { $0.hasPrefix("/") ? nil : "must start with \"/\", got \(ConfigReader.quoted($0))" }
        let publicURL = mapping.httpURL("public_url")
        // A missing public_url goes before the token's problems, as it did when insecure_skip_signature was read first.
        let publicURLSlot = mapping.reader.reserveProblemSlot()
        let tokenGiven = mapping.node("auth_token") != nil || mapping.node("auth_token_file") != nil
        var authToken = mapping.secret("auth_token", fileKey: "auth_token_file", required: false)
        let insecureValue = mapping.bool("insecure_skip_signature")
        let insecure = insecureValue == true
        // When insecure_skip_signature itself is wrong, that is the one problem to report about signatures.
        let checkSignatureKeys = !insecure && (insecureValue != nil || mapping.node("insecure_skip_signature") == nil)
        if mapping.node("public_url") == nil, checkSignatureKeys {
            mapping.reportHere("missing required key \"public_url\" (the URL Twilio posts to, needed to check "
                               + "signatures; only insecure_skip_signature: true goes without)", in: publicURLSlot)
        }
        if authToken?.isEmpty == true {
            if checkSignatureKeys {
                mapping.report("must not be empty", at: mapping.has("auth_token_file") ? "auth_token_file" : "auth_token")
            }
            authToken = nil
        } else if !tokenGiven, checkSignatureKeys {
            mapping.reportHere("missing required key \"auth_token\" (or \"auth_token_file\"): the auth token that signs "
                               + "deliveries; only insecure_skip_signature: true goes without")
        }
        let maxBodyBytes = mapping.size("max_body_bytes", in: 1...Int.max)
        let allowedDelay = mapping.duration("allowed_delay")
        var basicAuth = mapping.section("basic_auth").map(BasicAuthConfig.read) ?? nil
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
            path: path, publicURL: publicURL, authToken: authToken, insecureSkipSignature: insecureValue,
            maxBodyBytes: maxBodyBytes, allowedDelay: allowedDelay,
            basicAuth: basicAuth,
            allowCIDRs: readCIDRs(mapping),
            maxPendingRequests: mapping.int("max_pending_requests", in: 1...Int.max),
            setup: EventStreamsSetupConfig.read(mapping))
    }

    private static func readCIDRs(_ mapping: ConfigMapping) -> [CIDRBlock] {
        guard let nodes = mapping.list("allow_cidrs") else { return [] }
        return nodes.enumerated().compactMap { index, node in
            let path = mapping.keyPath("allow_cidrs") + "[\(index)]"
            guard let text = mapping.reader.text(node, path: path, expected: "an address range like 10.0.0.0/8") else {
                return nil
            }
            guard let block = CIDRBlock(text) else {
                mapping.reader.report("expected an IPv4 or IPv6 address or CIDR range like 10.0.0.0/8 or 2001:db8::/32, "
                                      + "got \(ConfigReader.quoted(text))", at: node, key: path)
                return nil
            }
            return block
        }
    }
}

extension BasicAuthConfig {
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
