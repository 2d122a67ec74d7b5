/// A JetStream stream on a NATS cluster (`type: nats`): where each record is published, and how
/// the forwarder authenticates. Defaults live here and nowhere else.
public struct NATSTransportConfig: Sendable, Equatable {
    /// `nats://host:port` or `tls://host:port`, any server of the cluster; the client
    /// reconnects to any of them.
    public var servers: [String]
    /// The JetStream stream that must exist and take the subjects published to.
    public var stream: String
    /// Subject template: `{dataset}` (`monitor` or `event_streams`), `{type}`, `{account}`.
    public var subject: String
    public var user: String?
    public var password: String?
    public var token: String?
    /// A `.creds` file (JWT and NKey seed), as `nsc` writes it.
    public var credentialsFile: String?
    /// CA bundle to verify the servers' certificates (turns TLS on).
    public var caFile: String?
    /// Most records published and not yet acknowledged at once.
    public var maxPending: Int
    /// How long a batch waits for JetStream's acknowledgements before it is sent again.
    public var ackWait: Duration

    public init(servers: [String], stream: String, subject: String = "twilio.{dataset}.{type}", user: String? = nil,
                password: String? = nil, token: String? = nil, credentialsFile: String? = nil, caFile: String? = nil,
                maxPending: Int = 4096, ackWait: Duration = .seconds(10)) {
        self.servers = servers
        self.stream = stream
        self.subject = subject
        self.user = user
        self.password = password
        self.token = token
        self.credentialsFile = credentialsFile
        self.caFile = caFile
        self.maxPending = maxPending
        self.ackWait = ackWait
    }

    /// The placeholders a subject template may hold.
    public static let subjectPlaceholders = ["{dataset}", "{type}", "{account}"]
}
