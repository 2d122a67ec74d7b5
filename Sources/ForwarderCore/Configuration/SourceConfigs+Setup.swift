/// Reading the `event-streams setup` keys of `sources.event_streams`: `subscribe`,
/// `events_api_url`, `username`, `password`/`password_file`, `receive_events_from_subaccounts`
/// and `batch_events`.
extension EventStreamsSetupConfig {
    static func read(_ mapping: ConfigMapping) -> EventStreamsSetupConfig {
        // Asked for first so that an unknown key's message lists it first; its problems come last.
        _ = mapping.has("subscribe")
        let url = mapping.httpURL("events_api_url").map(MonitorSourceConfig.trimmingTrailingSlashes)
        let username = mapping.string("username") {
            $0.hasPrefix("AC") || $0.hasPrefix("SK") ? nil
                : "expected an account SID (AC…) or an API key SID (SK…), got \(ConfigReader.quoted($0))"
        }
        let password = mapping.secret("password", fileKey: "password_file", required: false)
        if password?.isEmpty == true {
            mapping.report("must not be empty", at: mapping.has("password_file") ? "password_file" : "password")
        }
        if mapping.has("username") != (mapping.has("password") || mapping.has("password_file")) {
            mapping.reportHere(mapping.has("username")
                ? "username needs a password (or password_file): the Events API credentials go together"
                : "password needs a username (the account SID or API key SID it belongs to)")
        }
        return EventStreamsSetupConfig(
            subscribe: readSubscribe(mapping), eventsAPIURL: url,
            username: username, password: password?.isEmpty == true ? nil : password,
            receiveEventsFromSubaccounts: mapping.bool("receive_events_from_subaccounts"),
            batchEvents: mapping.bool("batch_events"))
    }

    /// `subscribe:` is a list whose entries are a type (`com.twilio.iam.ip.blocked`: Twilio's
    /// latest schema version) or a mapping `{type: …, schema_version: N}`.
    private static func readSubscribe(_ mapping: ConfigMapping) -> [EventTypeSubscription]? {
        guard let nodes = mapping.list("subscribe") else { return nil }
        let path = mapping.keyPath("subscribe")
        if nodes.isEmpty {
            mapping.report("must name at least one event type, e.g. [com.twilio.iam.ip.blocked]", at: "subscribe")
            return nil
        }
        var result: [EventTypeSubscription] = []
        for (index, node) in nodes.enumerated() {
            let entryPath = path + "[\(index)]"
            let entry: EventTypeSubscription?
            if case .mapping = node.content {
                entry = mapping.reader.mapping(node, path: entryPath).flatMap { item in
                    let type = item.string("type", required: true, check: typeProblem)
                    let version = item.int("schema_version", in: 1...Int.max)
                    return type.map { EventTypeSubscription(type: $0, schemaVersion: version) }
                }
            } else {
                entry = mapping.reader.text(node, path: entryPath, expected: "an event type like com.twilio.iam.ip.blocked").flatMap { text in
                    if let problem = typeProblem(text) {
                        mapping.reader.report(problem, at: node, key: entryPath)
                        return nil
                    }
                    return EventTypeSubscription(type: text)
                }
            }
            guard let entry else { continue }
            if result.contains(where: { $0.type == entry.type }) {
                mapping.reader.report("\(ConfigReader.quoted(entry.type)) is listed twice; give each type once", at: node, key: entryPath)
                continue
            }
            result.append(entry)
        }
        return result
    }

    /// Event types are dotted lower-case names such as `com.twilio.iam.ip.blocked`.
    private static func typeProblem(_ text: String) -> String? {
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        return !text.isEmpty && allowed && text.contains(".") ? nil
            : "expected an event type like com.twilio.iam.ip.blocked, got \(ConfigReader.quoted(text))"
    }
}

extension SourcesConfig {
    /// The Basic credentials `event-streams setup` and `status` call the Events API with:
    /// `sources.event_streams.username`/`password` when given, else `sources.monitor`'s; nil
    /// when neither source has any.
    package var eventsAPICredentials: (username: String, password: String)? {
        if let setup = eventStreams?.setup, let username = setup.username, let password = setup.password {
            return (username, password)
        }
        return monitor.map { ($0.username, $0.password) }
    }
}
