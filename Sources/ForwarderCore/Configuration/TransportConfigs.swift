/// Where an output's records go.
package enum TransportConfig: Sendable, Equatable {
    case file(FileTransportConfig)
    case udp(UDPTransportConfig)
    case tcp(TCPTransportConfig)
    case tls(TLSTransportConfig)
    case nats(NATSTransportConfig)

    /// The word used for `transport.type` in the pipeline file.
    package var typeName: String {
        switch self {
        case .file: "file"
        case .udp: "udp"
        case .tcp: "tcp"
        case .tls: "tls"
        case .nats: "nats"
        }
    }
}

/// Local files, optionally gzip-compressed and rotated by size and age.
package struct FileTransportConfig: Sendable, Equatable {
    /// Path template; may hold `{yyyy} {MM} {dd} {HH} {mm} {ss}` (UTC, when the file is opened) and `{seq}`.
    package var path: String
    /// Plain or gzip, with when each file is closed.
    package var storage: FileStorage
    /// The permission bits of every file the output creates, whatever the umask (`file_mode`).
    package var fileMode: UInt32
    /// The group that owns the files and the directories the output creates (`group`), so a
    /// collector running as another user in that group can read them; nil keeps the process's group.
    package var group: UInt32?

    /// The placeholders a path template may contain.
    package static let placeholders = ["yyyy", "MM", "dd", "HH", "mm", "ss", "seq"]

    /// As the pipeline file gives it: gzip files get the `GzipRotation` limits `rotate` leaves out, plain files
    /// ignore `gzipLevel`. An argument left nil takes its default, which is written here and nowhere else.
    package init(path: String, gzip: Bool? = nil, gzipLevel: Int? = nil, rotate: RotationConfig? = nil,
                fileMode: UInt32? = nil, group: UInt32? = nil) {
        self.path = path
        if gzip ?? path.hasSuffix(".gz") {
            storage = .gzip(level: gzipLevel ?? 6, rotate: GzipRotation(maxBytes: rotate?.maxBytes, maxAge: rotate?.maxAge))
        } else {
            storage = .plain(rotate: rotate)
        }
        self.fileMode = fileMode ?? 0o640
        self.group = group
    }

    /// Whether the files are gzip-compressed.
    package var gzip: Bool {
        if case .gzip = storage { return true }
        return false
    }
}

/// How an output's files are written and when each is closed for the next.
package enum FileStorage: Sendable, Equatable {
    /// Plain files, appended to; closed by the limits of `rotate` that are set, never when it is nil.
    case plain(rotate: RotationConfig?)
    /// gzip files at `level` (1...9); a gzip file is only complete once closed, so they always rotate.
    case gzip(level: Int, rotate: GzipRotation)
}

/// When a plain file is closed and the next one started, as `rotate` gives it; a nil limit is not applied.
package struct RotationConfig: Sendable, Equatable {
    package var maxBytes: Int?
    package var maxAge: Duration?

    /// What gzip files get when `rotate` is not given.
    package static var gzipDefault: RotationConfig {
        let limits = GzipRotation()
        return RotationConfig(maxBytes: limits.maxBytes, maxAge: limits.maxAge)
    }

    package init(maxBytes: Int? = nil, maxAge: Duration? = nil) {
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }
}

/// When a gzip file is closed and the next one started: both limits always apply.
package struct GzipRotation: Sendable, Equatable {
    package var maxBytes: Int
    package var maxAge: Duration

    /// A limit left nil takes its default, which is written here and nowhere else.
    package init(maxBytes: Int? = nil, maxAge: Duration? = nil) {
        self.maxBytes = maxBytes ?? 64 << 20
        self.maxAge = maxAge ?? .seconds(300)
    }
}

/// Syslog over UDP: one record per datagram.
package struct UDPTransportConfig: Sendable, Equatable {
    package var host: String
    package var port: Int
    /// Larger records are cut to this size; 480...65507.
    package var maxDatagramBytes: Int

    /// A datagram size left nil takes its default, which is written here and nowhere else.
    package init(host: String, port: Int, maxDatagramBytes: Int? = nil) {
        self.host = host
        self.port = port
        self.maxDatagramBytes = maxDatagramBytes ?? 2048
    }
}

/// A stream connection, reconnected with back-off.
package struct TCPTransportConfig: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var framing: Framing
    package var connectTimeout: Duration
    package var reconnect: RetryConfig
    /// How long sent bytes may stay unacknowledged by the collector's TCP stack before the
    /// connection is given up (`TCP_USER_TIMEOUT`): a vanished host, or a collector whose
    /// receive window stayed closed that long.
    package var ackTimeout: Duration

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(host: String, port: Int, framing: Framing? = nil, connectTimeout: Duration? = nil,
                reconnect: RetryConfig? = nil, ackTimeout: Duration? = nil) {
        self.host = host
        self.port = port
        self.framing = framing ?? .octetCounting
        self.connectTimeout = connectTimeout ?? .seconds(10)
        self.reconnect = reconnect ?? RetryConfig()
        self.ackTimeout = ackTimeout ?? .seconds(300)
    }
}

/// How records are delimited on a stream: RFC 6587 octet counting (`LEN SP record`) or a trailing LF.
package enum Framing: String, Sendable, Equatable, CaseIterable {
    case octetCounting = "octet-counting"
    case lf
}

/// A TCP connection inside TLS (RFC 5425 for syslog).
package struct TLSTransportConfig: Sendable, Equatable {
    package var tcp: TCPTransportConfig
    /// PEM file of CAs to trust instead of the system's.
    package var caFile: String?
    /// PEM client certificate; given together with `keyFile`.
    package var certFile: String?
    package var keyFile: String?
    /// SNI and the name checked in the certificate; nil means `tcp.host`.
    package var serverName: String?
    package var verifyHostname: Bool

    /// Host names are checked unless `verifyHostname` says false.
    package init(tcp: TCPTransportConfig, caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil,
                serverName: String? = nil, verifyHostname: Bool? = nil) {
        self.tcp = tcp
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.verifyHostname = verifyHostname ?? true
    }
}
