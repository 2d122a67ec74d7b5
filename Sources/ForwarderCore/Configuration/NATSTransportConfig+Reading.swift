import Foundation

/// Reading `outputs[i].transport` of type `nats`.
extension NATSTransportConfig {
    static func read(_ mapping: ConfigMapping) -> NATSTransportConfig? {
        let servers = readServers(mapping)
        let stream = mapping.string("stream", required: true) { name in
            name.isEmpty || name.contains(where: { $0.isWhitespace || ".*>/\\".contains($0) })
                ? "expected a JetStream stream name (no spaces, dots, *, >, / or \\), got \(ConfigReader.quoted(name))" : nil
        }
        let subject = mapping.string("subject", check: subjectProblem)
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
        let maxPending = mapping.int("max_pending", in: 1...1_000_000)
        let ackWait = mapping.duration("ack_wait", atLeast: .milliseconds(100))
        guard let servers, let stream else { return nil }
        var config = NATSTransportConfig(servers: servers, stream: stream, user: user, password: password, token: token,
                                         credentialsFile: credentials, caFile: caFile)
        if let subject { config.subject = subject }
        if let maxPending { config.maxPending = maxPending }
        if let ackWait { config.ackWait = ackWait }
        return config
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
