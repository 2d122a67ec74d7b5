import Foundation

/// A throwaway certificate authority made with the openssl CLI: a CA, a server certificate for
/// `localhost` (SAN DNS:localhost, IP:127.0.0.1) and a client certificate, all P-256.
package struct TestCA: Sendable {
    package let caFile: String
    package let serverCert: String
    package let serverKey: String
    package let clientCert: String
    package let clientKey: String
    /// A server certificate from the same CA for `elsewhere.example` only (no IP address), for
    /// name-mismatch tests: NIOSSL accepts a certificate whose IP SAN matches the connected
    /// address whatever the server name is.
    package let elsewhereCert: String
    package let elsewhereKey: String
    /// A server certificate for `localhost` by DNS name only (no IP subjectAltName), so a client
    /// connecting to 127.0.0.1 can only accept it by matching the name.
    package let dnsOnlyCert: String
    package let dnsOnlyKey: String

    /// A failure of the openssl CLI, with what it printed.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    static let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    package init(directory: String, name: String = "Test CA") throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = { (file: String) in directory + "/" + file }
        caFile = path("ca.pem")
        serverCert = path("server.pem")
        serverKey = path("server.key")
        clientCert = path("client.pem")
        clientKey = path("client.key")
        elsewhereCert = path("elsewhere.pem")
        elsewhereKey = path("elsewhere.key")
        dnsOnlyCert = path("dns-only.pem")
        dnsOnlyKey = path("dns-only.key")
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.run(["req", "-x509"] + ec + [
            "-keyout", path("ca.key"), "-out", caFile, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        for (leaf, subject, extensions) in [
            ("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("client", "/CN=siem-forwarder", "extendedKeyUsage=clientAuth\n"),
            ("elsewhere", "/CN=elsewhere.example", "subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth\n"),
            ("dns-only", "/CN=localhost", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n"),
        ] {
            try Self.run(["req"] + ec + ["-keyout", path("\(leaf).key"), "-out", path("\(leaf).csr"), "-subj", subject])
            try ("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n" + extensions)
                .write(toFile: path("\(leaf).ext"), atomically: true, encoding: .utf8)
            try Self.run([
                "x509", "-req", "-in", path("\(leaf).csr"), "-CA", caFile, "-CAkey", path("ca.key"), "-CAcreateserial",
                "-out", path("\(leaf).pem"), "-days", "2", "-extfile", path("\(leaf).ext"),
            ])
        }
    }

    private static func run(_ arguments: [String]) throws {
        guard let openssl else { throw Failure(description: "openssl is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: printed, as: UTF8.self))")
        }
    }
}
