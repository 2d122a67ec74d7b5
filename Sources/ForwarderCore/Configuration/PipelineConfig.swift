import Logging

/// A validated pipeline file: where state lives, what listens, which sources to read and where to write.
package struct PipelineConfig: Sendable, Equatable {
    /// The file the configuration was read from, for messages.
    package var file: String
    package var state: StateConfig
    package var server: ServerConfig
    package var operations: OperationsConfig
    package var admin: AdminConfig
    package var log: LogConfig
    package var sources: SourcesConfig
    package var merge: MergeConfig
    package var outputs: [OutputConfig]

    /// A section left nil gets every default of its own.
    package init(file: String = "pipeline.yaml", state: StateConfig? = nil, server: ServerConfig? = nil,
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
package struct StateConfig: Sendable, Equatable {
    package var dir: String
    package var retention: Duration

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(dir: String? = nil, retention: Duration? = nil) {
        self.dir = dir ?? "./state"
        self.retention = retention ?? .seconds(7 * 86_400)
    }
}

/// The public HTTP listener, which carries only the Event Streams webhook (`server.listen: "host:port"`).
package struct ServerConfig: Sendable, Equatable {
    /// Host name or IP address, without brackets for IPv6.
    package var host: String
    /// 0 asks the system for a free port.
    package var port: Int

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(host: String? = nil, port: Int? = nil) {
        self.host = host ?? "127.0.0.1"
        self.port = port ?? 8080
    }
}

/// The operations listener: health, readiness, status, metrics and the admin API, kept off the
/// public webhook port (`operations.listen`, default `127.0.0.1:9464`, Prometheus' usual range).
package struct OperationsConfig: Sendable, Equatable {
    package var host: String
    /// 0 asks the system for a free port.
    package var port: Int

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(host: String? = nil, port: Int? = nil) {
        self.host = host ?? "127.0.0.1"
        self.port = port ?? 9464
    }
}

/// The admin API; it is disabled when `token` is nil.
package struct AdminConfig: Sendable, Equatable {
    package var token: String?

    package init(token: String? = nil) {
        self.token = token
    }
}

/// How the forwarder's own logs are written (to stderr).
package struct LogConfig: Sendable, Equatable {
    /// The least severe level written; the file names it as swift-log does (`trace` ... `critical`).
    package var level: Logger.Level
    package var format: LogFormat

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(level: Logger.Level? = nil, format: LogFormat? = nil) {
        self.level = level ?? .info
        self.format = format ?? .json
    }
}

/// JSON lines for machines or plain text for people.
package enum LogFormat: String, Sendable, Equatable, CaseIterable {
    case json
    case text
}

/// How long the merger holds events back to release them in time order.
package struct MergeConfig: Sendable, Equatable {
    /// A source whose watermark has not moved for this long stops holding the others back.
    package var maxHold: Duration
    /// The longest any event waits in the journal for the others to be ordered before it
    /// (`max_delay`); events that arrive behind what was released are released at once, late.
    package var maxDelay: Duration

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(maxHold: Duration? = nil, maxDelay: Duration? = nil) {
        self.maxHold = maxHold ?? .seconds(120)
        self.maxDelay = maxDelay ?? .seconds(1)
    }
}

/// Exponential back-off bounds for retries and reconnects: the first delay and the cap.
package struct RetryConfig: Sendable, Equatable {
    package var initial: Duration
    package var max: Duration

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(initial: Duration? = nil, max: Duration? = nil) {
        self.initial = initial ?? .seconds(1)
        self.max = max ?? .seconds(60)
    }
}

extension RetryConfig {
    /// The back-off these limits describe.
    package var backoff: Backoff {
        Backoff(initial: initial, maximum: max)
    }
}
