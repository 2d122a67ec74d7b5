#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import NIOSSL

/// A network output that could not deliver: what it was doing, to which collector, the
/// system's reason, and what to check. Printed as one sentence for logs and health checks.
package struct TransportError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What failed.
    package enum Kind: Sendable, Equatable {
        /// The collector's host name did not resolve.
        case resolve
        /// The TCP connection was refused or could not be made.
        case connect
        /// Connecting (TCP and, for TLS, the handshake) took longer than `connect_timeout`.
        case connectTimeout
        /// The CA, certificate or key file could not be loaded.
        case tlsConfiguration
        /// The TLS handshake failed (certificate not trusted, wrong name, protocol mismatch).
        case tlsHandshake
        /// The connection failed while sending or waiting for confirmation.
        case connectionLost
        /// The collector closed the connection before confirming everything sent to it.
        case peerClosed
        /// The forwarder is stopping, so the output does not open a new connection.
        case stopping
    }

    package var kind: Kind
    /// The output's name from the pipeline file.
    package var output: String
    /// `udp://host:port`, `tcp://host:port` or `tls://host:port`.
    package var endpoint: String
    /// The operating system's or TLS library's reason, when there is one.
    package var underlying: String?
    /// Records sent but not confirmed when the connection failed; the output sends them again.
    package var unconfirmed: Int

    package init(_ kind: Kind, output: String, endpoint: String, underlying: String? = nil, unconfirmed: Int = 0) {
        self.kind = kind
        self.output = output
        self.endpoint = endpoint
        self.underlying = underlying
        self.unconfirmed = unconfirmed
    }

    init(_ kind: Kind, output: String, endpoint: String, error: any Error, unconfirmed: Int = 0) {
        self.init(kind, output: output, endpoint: endpoint, underlying: Self.reason(error), unconfirmed: unconfirmed)
    }

    package var description: String {
        let because = underlying.map { " (\($0))" } ?? ""
        let resend = unconfirmed > 0 ? "; its \(unconfirmed) unconfirmed records will be sent again after reconnecting" : ""
        switch kind {
        case .resolve:
            return "Output \(output) could not resolve \(endpoint)\(because); check the host name and the DNS configuration."
        case .connect:
            return "Output \(output) could not connect to \(endpoint)\(because); check that the collector is running and reachable from this host."
        case .connectTimeout:
            return "Output \(output) timed out connecting to \(endpoint)\(because); check the address, firewalls and connect_timeout."
        case .tlsConfiguration:
            return "Output \(output) could not load its TLS settings for \(endpoint)\(because); check ca_file, cert_file and key_file."
        case .tlsHandshake:
            return "Output \(output) failed the TLS handshake with \(endpoint)\(because); check ca_file, server_name, verify_hostname and the collector's certificate."
        case .connectionLost:
            return "Output \(output) lost its connection to \(endpoint)\(because)\(resend)."
        case .peerClosed:
            return "Output \(output) was disconnected by \(endpoint)\(because)\(resend)."
        case .stopping:
            return "Output \(output) does not reconnect to \(endpoint) while the forwarder is stopping; it continues from its committed position on the next start."
        }
    }

    /// The most useful short text of a NIO, NIOSSL or system error.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let connection as NIOConnectionError:
            if let resolution = connection.dnsAAAAError ?? connection.dnsAError, connection.connectionErrors.isEmpty {
                return reason(resolution)
            }
            return connection.connectionErrors.first.map { reason($0.error) } ?? "no address to connect to"
        case let io as IOError:
            return String(cString: strerror(io.errnoCode))
        case ChannelError.connectTimeout(let amount):
            return "no answer within \(amount.nanoseconds / 1_000_000) ms"
        case let ssl as NIOSSLError:
            if case .handshakeFailed(let boring) = ssl { return "\(boring)" }
            return "\(ssl)"
        default:
            return "\(error)"
        }
    }
}
