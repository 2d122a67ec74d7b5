import Logging

/// Reading the top level of the pipeline file and its small sections.
extension PipelineConfig {
    static func read(_ root: ConfigNode, file: String, reader: ConfigReader) -> PipelineConfig? {
        guard case .mapping = root.content else {
            let sections = ConfigMapping.keys { _ = read(top: $0, file: file) }
            reader.report("expected a mapping with the sections \(sections.joined(separator: ", ")) at the top of the file, "
                          + "got \(ConfigReader.describe(root))", at: root, key: "")
            return nil
        }
        return reader.mapping(root, path: "").flatMap { read(top: $0, file: file) }
    }

    private static func read(top: ConfigMapping, file: String) -> PipelineConfig? {
        let state = top.section("state").map(StateConfig.read)
        let server = top.section("server").map(ServerConfig.read)
        let operations = top.section("operations").map(OperationsConfig.read)
        let admin = top.section("admin").map(AdminConfig.read)
        let log = top.section("log").map(LogConfig.read)
        var sources: SourcesConfig?
        if top.has("sources") {
            sources = top.section("sources").flatMap(SourcesConfig.read)
        } else {
            top.reportMissing("sources")
        }
        let merge = top.section("merge").map(MergeConfig.read)
        let outputs = OutputConfig.readAll(from: top)
        guard let sources, let outputs else { return nil }
        let config = PipelineConfig(file: file, state: state, server: server, operations: operations, admin: admin, log: log,
                                    sources: sources, merge: merge, outputs: outputs)
        if config.operations.port != 0, config.operations.port == config.server.port,
           config.operations.host == config.server.host {
            top.report("operations.listen must differ from server.listen: the operations endpoints are kept off the public webhook port",
                       at: "operations")
        }
        return config
    }
}

extension StateConfig {
    static func read(_ mapping: ConfigMapping) -> StateConfig {
        StateConfig(dir: mapping.string("dir", check: { $0.isEmpty ? "must not be empty" : nil }),
                    retention: mapping.duration("retention"))
    }
}

extension ServerConfig {
    static func read(_ mapping: ConfigMapping) -> ServerConfig {
        let listen = mapping.value("listen", required: false, expected: "host:port like 127.0.0.1:8080 or [::1]:8080",
                                   convert: ConfigAddressText.hostAndPort)
        return ServerConfig(host: listen?.host, port: listen?.port)
    }
}

extension OperationsConfig {
    static func read(_ mapping: ConfigMapping) -> OperationsConfig {
        let listen = mapping.value("listen", required: false, expected: "host:port like 127.0.0.1:9464 or [::1]:9464",
                                   convert: ConfigAddressText.hostAndPort)
        return OperationsConfig(host: listen?.host, port: listen?.port)
    }
}

extension AdminConfig {
    static func read(_ mapping: ConfigMapping) -> AdminConfig {
        let token = mapping.secret("token", fileKey: "token_file", required: false)
        return AdminConfig(token: token?.isEmpty == false ? token : nil)
    }
}

extension LogConfig {
    static func read(_ mapping: ConfigMapping) -> LogConfig {
        LogConfig(level: mapping.choice("level", Logger.Level.allCases.map { ($0.rawValue, $0) }),
                  format: mapping.choice("format", LogFormat.allCases.map { ($0.rawValue, $0) }))
    }
}

extension MergeConfig {
    static func read(_ mapping: ConfigMapping) -> MergeConfig {
        MergeConfig(maxHold: mapping.duration("max_hold"), maxDelay: mapping.duration("max_delay", atLeast: .milliseconds(1)))
    }
}

extension RetryConfig {
    /// The section under `key`, or nil when it is absent; `initial` must not exceed `max`.
    static func read(_ parent: ConfigMapping, key: String) -> RetryConfig? {
        guard let mapping = parent.section(key) else { return nil }
        let initial = mapping.duration("initial", atLeast: .milliseconds(1))
        let max = mapping.duration("max", atLeast: .milliseconds(1))
        let retry = RetryConfig(initial: initial, max: max)
        if retry.initial > retry.max {
            if initial != nil {
                mapping.report("must not be longer than max (\(DurationText.format(retry.max)))", at: "initial")
            } else {
                mapping.report("must not be shorter than initial (\(DurationText.format(retry.initial)))", at: "max")
            }
        }
        return retry
    }
}
