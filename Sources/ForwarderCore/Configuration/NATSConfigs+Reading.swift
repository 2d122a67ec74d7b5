import Foundation

/// Reading the connection keys an output of type `nats` and `sources.nats` share.
extension NATSClientConfig {
    static func read(_ mapping: ConfigMapping) -> NATSClientConfig? {
        let servers = readServers(mapping)
        let user = mapping.string("user")
        let password = mapping.secret("password", fileKey: "password_file", required: false)
        let token = mapping.secret("token", fileKey: "token_file", required: false)
        let credentials = mapping.string("credentials_file")
        let caFile = mapping.string("ca_file")
        for (key, path) in [("credentials_file", credentials), ("ca_file", caFile)] {
            guard let path else { continue }
            do {
                _ = try mapping.reader.readFile(path)
            } catch {
                mapping.report("cannot read \(ConfigReader.quoted(path)): \(ConfigFileText.reason(error))", at: key)
            }
        }
        if password != nil, user == nil {
            mapping.report("a password needs its user: give user too", at: mapping.has("password") ? "password" : "password_file")
        }
        guard let servers else { return nil }
        return NATSClientConfig(servers: servers, user: user, password: password, token: token, credentialsFile: credentials, caFile: caFile)
    }

    /// `servers`: a non-empty list of `nats://` or `tls://` URLs with a host and a port.
    private static func readServers(_ mapping: ConfigMapping) -> [String]? {
        guard mapping.has("servers") else {
            mapping.reportMissing("servers")
            return nil
        }
        guard let nodes = mapping.list("servers") else { return nil }
        guard !nodes.isEmpty else {
            mapping.report("give at least one server, like [nats://127.0.0.1:4222]", at: "servers")
            return nil
        }
        var servers: [String] = []
        for (index, node) in nodes.enumerated() {
            let path = mapping.keyPath("servers") + "[\(index)]"
            guard let text = mapping.reader.text(node, path: path, expected: "a server URL like nats://127.0.0.1:4222") else { return nil }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["nats", "tls"].contains(scheme),
                  let host = url.host, !host.isEmpty, url.port != nil else {
                mapping.reader.report("expected a server URL like nats://127.0.0.1:4222 or tls://nats.example.com:4222, got \(ConfigReader.quoted(text))",
                                      at: node, key: path)
                return nil
            }
            servers.append(text)
        }
        return servers
    }

    /// `stream`: a JetStream stream name.
    static func readStream(_ mapping: ConfigMapping) -> String? {
        mapping.string("stream", required: true) { nameProblem($0, expected: "a JetStream stream name") }
    }

    /// A stream or consumer name: not empty, no whitespace, and none of the characters NATS
    /// reserves in names.
    static func nameProblem(_ name: String, expected: String) -> String? {
        name.isEmpty || name.contains(where: { $0.isWhitespace || ".*>/\\".contains($0) })
            ? "expected \(expected) (no spaces, dots, *, >, / or \\), got \(ConfigReader.quoted(name))" : nil
    }
}

/// Reading `outputs[i].transport` of type `nats`.
extension NATSTransportConfig {
    static func read(_ mapping: ConfigMapping) -> NATSTransportConfig? {
        let client = NATSClientConfig.read(mapping)
        let stream = NATSClientConfig.readStream(mapping)
        let subject = mapping.string("subject", check: subjectProblem)
        let maxPending = mapping.int("max_pending", in: 1...1_000_000)
        let ackWait = mapping.duration("ack_wait", atLeast: .milliseconds(100))
        guard let client, let stream else { return nil }
        var config = NATSTransportConfig(client: client, stream: stream)
        if let subject { config.subject = subject }
        if let maxPending { config.maxPending = maxPending }
        if let ackWait { config.ackWait = ackWait }
        return config
    }

    /// A subject template: tokens separated by dots, none empty, no spaces or wildcards, and only
    /// the documented placeholders.
    static func subjectProblem(_ subject: String) -> String? {
        var rest = subject
        for placeholder in subjectPlaceholders { rest = rest.replacingOccurrences(of: placeholder, with: "x") }
        if let brace = rest.first(where: { $0 == "{" || $0 == "}" }) {
            _ = brace
            return "unknown placeholder in \(ConfigReader.quoted(subject)); the subject may hold {dataset}, {type} and {account}"
        }
        if rest.isEmpty || rest.contains(where: { $0.isWhitespace || $0 == "*" || $0 == ">" })
            || rest.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            return "expected a subject like twilio.{dataset}.{type} (dot-separated tokens, no spaces or wildcards), got \(ConfigReader.quoted(subject))"
        }
        return nil
    }
}

/// Reading `sources.nats`.
extension NATSSourceConfig {
    static func read(_ mapping: ConfigMapping) -> NATSSourceConfig? {
        let client = NATSClientConfig.read(mapping)
        let stream = NATSClientConfig.readStream(mapping)
        let durable = mapping.string("durable", required: true) { NATSClientConfig.nameProblem($0, expected: "a consumer name") }
        let filter = mapping.string("filter_subject") { subject in
            subject.isEmpty || subject.contains(where: \.isWhitespace) || subject.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
                ? "expected a subject like twilio.monitor.> (dot-separated tokens, * and > allowed), got \(ConfigReader.quoted(subject))" : nil
        }
        let deliver = mapping.string("deliver") { text in
            Deliver(rawValue: text) == nil ? "expected all or new, got \(ConfigReader.quoted(text))" : nil
        }.flatMap(Deliver.init(rawValue:))
        let batch = mapping.int("batch", in: 1...10_000)
        let ackWait = mapping.duration("ack_wait", atLeast: .seconds(1))
        let allowedDelay = mapping.duration("allowed_delay")
        guard let client, let stream, let durable else { return nil }
        var config = NATSSourceConfig(client: client, stream: stream, durable: durable, filterSubject: filter)
        if let deliver { config.deliver = deliver }
        if let batch { config.batch = batch }
        if let ackWait { config.ackWait = ackWait }
        if let allowedDelay { config.allowedDelay = allowedDelay }
        return config
    }
}
