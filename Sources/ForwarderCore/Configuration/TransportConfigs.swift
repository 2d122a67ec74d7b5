/// Where an output's records go.
public enum TransportConfig: Sendable, Equatable {
    case file(FileTransportConfig)
    case udp(UDPTransportConfig)
    case tcp(TCPTransportConfig)
    case tls(TLSTransportConfig)

    /// The word used for `transport.type` in the pipeline file.
    public var typeName: String {
        switch self {
        case .file: "file"
        case .udp: "udp"
        case .tcp: "tcp"
        case .tls: "tls"
        }
    }
}

/// Local files, optionally gzip-compressed and rotated by size and age.
public struct FileTransportConfig: Sendable, Equatable {
    /// Path template; may hold `{yyyy} {MM} {dd} {HH} {mm} {ss}` (UTC, when the file is opened) and `{seq}`.
    public var path: String
    public var gzip: Bool
    /// 1...9.
    public var gzipLevel: Int
    /// nil: one file, appended to forever.
    public var rotate: RotationConfig?
    /// The permission bits of every file the output creates, whatever the umask (`file_mode`).
    public var fileMode: UInt32
    /// The group that owns the files and the directories the output creates (`group`), so a
    /// collector running as another user in that group can read them; nil keeps the process's group.
    public var group: UInt32?

    /// The placeholders a path template may contain.
    public static let placeholders = ["yyyy", "MM", "dd", "HH", "mm", "ss", "seq"]
    /// Owner reads and writes, the group reads, others nothing.
    public static let defaultFileMode: UInt32 = 0o640

    public init(path: String, gzip: Bool? = nil, gzipLevel: Int = 6, rotate: RotationConfig? = nil,
                fileMode: UInt32 = FileTransportConfig.defaultFileMode, group: UInt32? = nil) {
        self.path = path
        self.gzip = gzip ?? path.hasSuffix(".gz")
        self.gzipLevel = gzipLevel
        self.rotate = rotate
        self.fileMode = fileMode
        self.group = group
    }
}

/// When a file is closed and the next one started. For plain files a nil limit is not applied;
/// gzip files always rotate, so a nil limit takes its value from `gzipDefault`.
public struct RotationConfig: Sendable, Equatable {
    public var maxBytes: Int?
    public var maxAge: Duration?

    /// What gzip files get when `rotate` is not given.
    public static let gzipDefault = RotationConfig(maxBytes: 64 << 20, maxAge: .seconds(300))

    public init(maxBytes: Int? = nil, maxAge: Duration? = nil) {
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }
}

/// Syslog over UDP: one record per datagram.
public struct UDPTransportConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Larger records are cut to this size; 480...65507.
    public var maxDatagramBytes: Int

    public init(host: String, port: Int, maxDatagramBytes: Int = 2048) {
        self.host = host
        self.port = port
        self.maxDatagramBytes = maxDatagramBytes
    }
}

/// A stream connection, reconnected with back-off.
public struct TCPTransportConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var framing: Framing
    public var connectTimeout: Duration
    public var reconnect: RetryConfig
    /// How long sent bytes may stay unacknowledged by the collector's TCP stack before the
    /// connection is given up (`TCP_USER_TIMEOUT`): a vanished host, or a collector whose
    /// receive window stayed closed that long.
    public var ackTimeout: Duration

    public init(host: String, port: Int, framing: Framing = .octetCounting, connectTimeout: Duration = .seconds(10),
                reconnect: RetryConfig = .init(), ackTimeout: Duration = .seconds(300)) {
        self.host = host
        self.port = port
        self.framing = framing
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.ackTimeout = ackTimeout
    }
}

/// How records are delimited on a stream: RFC 6587 octet counting (`LEN SP record`) or a trailing LF.
public enum Framing: String, Sendable, Equatable, CaseIterable {
    case octetCounting = "octet-counting"
    case lf
}

/// A TCP connection inside TLS (RFC 5425 for syslog).
public struct TLSTransportConfig: Sendable, Equatable {
    public var tcp: TCPTransportConfig
    /// PEM file of CAs to trust instead of the system's.
    public var caFile: String?
    /// PEM client certificate; given together with `keyFile`.
    public var certFile: String?
    public var keyFile: String?
    /// SNI and the name checked in the certificate; nil means `tcp.host`.
    public var serverName: String?
    public var verifyHostname: Bool

    public init(tcp: TCPTransportConfig, caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil,
                serverName: String? = nil, verifyHostname: Bool = true) {
        self.tcp = tcp
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.verifyHostname = verifyHostname
    }
}
