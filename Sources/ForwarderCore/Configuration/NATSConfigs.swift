/// How the forwarder reaches a NATS cluster and authenticates: the part an output (`type:
/// nats`) and the `sources.nats` consumer share. Defaults live here and nowhere else.
package struct NATSClientConfig: Sendable, Equatable {
    /// `nats://host:port` or `tls://host:port`, any server of the cluster; the client
    /// reconnects to any of them.
    package var servers: [String]
    package var user: String?
    package var password: String?
    package var token: String?
    /// A `.creds` file (JWT and NKey seed), as `nsc` writes it.
    package var credentialsFile: String?
    /// CA bundle to verify the servers' certificates (turns TLS on).
    package var caFile: String?

    package init(servers: [String], user: String? = nil, password: String? = nil, token: String? = nil,
                credentialsFile: String? = nil, caFile: String? = nil) {
        self.servers = servers
        self.user = user
        self.password = password
        self.token = token
        self.credentialsFile = credentialsFile
        self.caFile = caFile
    }
}

/// A JetStream stream on a NATS cluster (`type: nats`): where each record is published, and how
/// the forwarder authenticates. Defaults live here and nowhere else.
package struct NATSTransportConfig: Sendable, Equatable {
    package var client: NATSClientConfig
    /// The JetStream stream that must exist and take the subjects published to.
    package var stream: String
    /// Subject template: `{dataset}` (`monitor` or `event_streams`), `{type}`, `{account}`.
    package var subject: String
    /// Most records published and not yet acknowledged at once.
    package var maxPending: Int
    /// How long a batch waits for JetStream's acknowledgements before it is sent again.
    package var ackWait: Duration

    package init(client: NATSClientConfig, stream: String, subject: String = "twilio.{dataset}.{type}",
                maxPending: Int = 4096, ackWait: Duration = .seconds(10)) {
        self.client = client
        self.stream = stream
        self.subject = subject
        self.maxPending = maxPending
        self.ackWait = ackWait
    }

    /// The placeholders a subject template may hold.
    package static let subjectPlaceholders = ["{dataset}", "{type}", "{account}"]
}

/// Reading a JetStream stream back (`sources.nats`): a durable pull consumer whose records are
/// journaled, merged and written to this forwarder's outputs, each once. Defaults live here.
package struct NATSSourceConfig: Sendable, Equatable {
    /// Where a durable consumer that does not exist yet starts.
    package enum Deliver: String, Sendable, Equatable, CaseIterable {
        /// From the first message the stream holds.
        case all
        /// From messages published after the consumer is created.
        case new
    }

    package var client: NATSClientConfig
    package var stream: String
    /// The durable consumer's name: its position survives restarts, on the server.
    package var durable: String
    /// Only subjects matching this (wildcards allowed); nil takes every subject of the stream.
    package var filterSubject: String?
    package var deliver: Deliver
    /// Most messages fetched at once; they are journaled in one commit, then acknowledged.
    package var batch: Int
    /// How long the server waits for an acknowledgement before it delivers a message again.
    package var ackWait: Duration
    /// How long after its time an event may still arrive through the stream and be released in
    /// order: the source's watermark trails the clock by this much once it has caught up.
    package var allowedDelay: Duration

    package init(client: NATSClientConfig, stream: String, durable: String, filterSubject: String? = nil,
                deliver: Deliver = .all, batch: Int = 500, ackWait: Duration = .seconds(30), allowedDelay: Duration = .seconds(5)) {
        self.client = client
        self.stream = stream
        self.durable = durable
        self.filterSubject = filterSubject
        self.deliver = deliver
        self.batch = batch
        self.ackWait = ackWait
        self.allowedDelay = allowedDelay
    }
}
