/// A validated pipeline file: where state lives, what listens, which sources to read and where to write.
public struct PipelineConfig: Sendable, Equatable {
    /// The file the configuration was read from, for messages.
    public var file: String
    public var state: StateConfig
    public var server: ServerConfig
    public var operations: OperationsConfig
    public var admin: AdminConfig
    public var log: LogConfig
    public var sources: SourcesConfig
    public var merge: MergeConfig
    public var outputs: [OutputConfig]

    public init(file: String = "pipeline.yaml", state: StateConfig = .init(), server: ServerConfig = .init(),
                operations: OperationsConfig = .init(), admin: AdminConfig = .init(), log: LogConfig = .init(),
                sources: SourcesConfig, merge: MergeConfig = .init(), outputs: [OutputConfig]) {
        self.file = file
        self.state = state
        self.server = server
        self.operations = operations
        self.admin = admin
        self.log = log
        self.sources = sources
        self.merge = merge
        self.outputs = outputs
    }
}

/// Where the journal and cursors are kept, and for how long journaled events are retained.
public struct StateConfig: Sendable, Equatable {
    public var dir: String
    public var retention: Duration

    public init(dir: String = "./state", retention: Duration = .seconds(7 * 86_400)) {
        self.dir = dir
        self.retention = retention
    }
}

/// The public HTTP listener, which carries only the Event Streams webhook (`server.listen: "host:port"`).
public struct ServerConfig: Sendable, Equatable {
    /// Host name or IP address, without brackets for IPv6.
    public var host: String
    /// 0 asks the system for a free port.
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// The operations listener: health, readiness, status, metrics and the admin API, kept off the
/// public webhook port (`operations.listen`, default `127.0.0.1:9464`, Prometheus' usual range).
public struct OperationsConfig: Sendable, Equatable {
    public var host: String
    /// 0 asks the system for a free port.
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9464) {
        self.host = host
        self.port = port
    }
}

/// The admin API; it is disabled when `token` is nil.
public struct AdminConfig: Sendable, Equatable {
    public var token: String?

    public init(token: String? = nil) {
        self.token = token
    }
}

/// How the forwarder's own logs are written (to stderr).
public struct LogConfig: Sendable, Equatable {
    /// One of `LogConfig.levels`.
    public var level: String
    public var format: LogFormat

    /// The accepted levels, most verbose first (the swift-log levels).
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public init(level: String = "info", format: LogFormat = .json) {
        self.level = level
        self.format = format
    }
}

/// JSON lines for machines or plain text for people.
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    case json
    case text
}

/// How long the merger holds events back to release them in time order.
public struct MergeConfig: Sendable, Equatable {
    /// A source whose watermark has not moved for this long stops holding the others back.
    public var maxHold: Duration
    /// The longest any event waits in the journal for the others to be ordered before it
    /// (`max_delay`); events that arrive behind what was released are released at once, late.
    public var maxDelay: Duration

    public init(maxHold: Duration = .seconds(120), maxDelay: Duration = .seconds(1)) {
        self.maxHold = maxHold
        self.maxDelay = maxDelay
    }
}

/// Exponential back-off bounds for retries and reconnects: the first delay and the cap.
public struct RetryConfig: Sendable, Equatable {
    public var initial: Duration
    public var max: Duration

    public init(initial: Duration = .seconds(1), max: Duration = .seconds(60)) {
        self.initial = initial
        self.max = max
    }
}
