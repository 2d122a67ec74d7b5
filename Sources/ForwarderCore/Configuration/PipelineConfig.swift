import Logging

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

    /// A section left nil gets every default of its own.
    public init(file: String = "pipeline.yaml", state: StateConfig? = nil, server: ServerConfig? = nil,
                operations: OperationsConfig? = nil, admin: AdminConfig? = nil, log: LogConfig? = nil,
                sources: SourcesConfig, merge: MergeConfig? = nil, outputs: [OutputConfig]) {
        self.file = file
        self.state = state ?? StateConfig()
        self.server = server ?? ServerConfig()
        self.operations = operations ?? OperationsConfig()
        self.admin = admin ?? AdminConfig()
        self.log = log ?? LogConfig()
        self.sources = sources
        self.merge = merge ?? MergeConfig()
        self.outputs = outputs
    }
}

/// Where the journal and cursors are kept, and for how long journaled events are retained.
public struct StateConfig: Sendable, Equatable {
    public var dir: String
    public var retention: Duration

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(dir: String? = nil, retention: Duration? = nil) {
        self.dir = dir ?? "./state"
        self.retention = retention ?? .seconds(7 * 86_400)
    }
}

/// The public HTTP listener, which carries only the Event Streams webhook (`server.listen: "host:port"`).
public struct ServerConfig: Sendable, Equatable {
    /// Host name or IP address, without brackets for IPv6.
    public var host: String
    /// 0 asks the system for a free port.
    public var port: Int

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(host: String? = nil, port: Int? = nil) {
        self.host = host ?? "127.0.0.1"
        self.port = port ?? 8080
    }
}

/// The operations listener: health, readiness, status, metrics and the admin API, kept off the
/// public webhook port (`operations.listen`, default `127.0.0.1:9464`, Prometheus' usual range).
public struct OperationsConfig: Sendable, Equatable {
    public var host: String
    /// 0 asks the system for a free port.
    public var port: Int

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(host: String? = nil, port: Int? = nil) {
        self.host = host ?? "127.0.0.1"
        self.port = port ?? 9464
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
    /// The least severe level written; the file names it as swift-log does (`trace` ... `critical`).
    public var level: Logger.Level
    public var format: LogFormat

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(level: Logger.Level? = nil, format: LogFormat? = nil) {
        self.level = level ?? .info
        self.format = format ?? .json
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

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(maxHold: Duration? = nil, maxDelay: Duration? = nil) {
        self.maxHold = maxHold ?? .seconds(120)
        self.maxDelay = maxDelay ?? .seconds(1)
    }
}

/// Exponential back-off bounds for retries and reconnects: the first delay and the cap.
public struct RetryConfig: Sendable, Equatable {
    public var initial: Duration
    public var max: Duration

    /// An argument left nil takes its default, which is written here and nowhere else.
    public init(initial: Duration? = nil, max: Duration? = nil) {
        self.initial = initial ?? .seconds(1)
        self.max = max ?? .seconds(60)
    }
}

extension RetryConfig {
    /// The back-off these limits describe.
    public var backoff: Backoff {
        Backoff(initial: initial, maximum: max)
    }
}
