import ForwarderCore
import NIOCore
import NIOPosix
import NIOSSL

/// What `validate` can learn about a TCP or TLS output before `run` depends on it: whether its TLS
/// files are PEM that the TLS library loads (as `run` loads them on every connect), and, for
/// `validate --connect`, whether the collector accepts a connection (and a TLS handshake).
package enum StreamPreflight {
    /// One thing wrong with one of the TLS keys of an output's transport.
    package struct FileProblem: Sendable, Equatable {
        /// `ca_file`, `cert_file` or `key_file`.
        package var key: String
        /// One sentence without the location.
        package var message: String
    }

    /// Every TLS file that does not load as `run` would load it; a client key that does not belong
    /// to its certificate is reported at `key_file`.
    package static func tlsFileProblems(_ tls: TLSTransportConfig) -> [FileProblem] {
        var problems: [FileProblem] = []
        if let caFile = tls.caFile, let problem = certificateProblem(caFile, what: "CA certificate") {
            problems.append(FileProblem(key: "ca_file", message: problem))
        }
        if let certFile = tls.certFile, let problem = certificateProblem(certFile, what: "client certificate") {
            problems.append(FileProblem(key: "cert_file", message: problem))
        }
        if let keyFile = tls.keyFile {
            do {
                _ = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            } catch {
                problems.append(FileProblem(key: "key_file", message: "\(quoted(keyFile)) is not an unencrypted PEM private key "
                    + "(\(error)); give the key as -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY) without a passphrase"))
            }
        }
        if problems.isEmpty, let keyFile = tls.keyFile {
            // The files load one by one; the TLS context also needs the key to be the certificate's.
            do {
                _ = try StreamConnector.makeSSLContext(tls, output: "", endpoint: "")
            } catch {
                problems.append(FileProblem(key: "key_file", message: "\(quoted(keyFile)) and cert_file do not make a TLS client "
                    + "identity (\(error.underlying ?? error.description)); is the key the one of the certificate?"))
            }
        }
        return problems
    }

    /// Connects to the collector as `run` does (within `connect_timeout`, TLS handshake included)
    /// and closes again; the error says what failed, in one sentence.
    package static func connect(output: String, tcp: TCPTransportConfig, tls: TLSTransportConfig?) async throws(TransportError) {
        let connector = StreamConnector(output: output, tcp: tcp, tls: tls, group: MultiThreadedEventLoopGroup.singleton)
        let connection = try await connector.connect()
        try? await connection.channel.close()
    }

    private static func certificateProblem(_ path: String, what: String) -> String? {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            return "\(quoted(path)) is not a PEM \(what) file (\(error)); give one or more -----BEGIN CERTIFICATE----- blocks"
        }
        return certificates.isEmpty ? "\(quoted(path)) holds no PEM certificate; give one or more -----BEGIN CERTIFICATE----- blocks" : nil
    }

    private static func quoted(_ path: String) -> String { "\"\(path)\"" }
}
