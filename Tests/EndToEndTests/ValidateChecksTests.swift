import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TestSupport
import Testing
import TwilioSimulator

@Suite("validate checks the machine, and with --connect the Monitor API and the collectors", .serialized)
struct ValidateChecksTests {
    /// A pipeline with one Monitor source and the given outputs (YAML list items).
    func pipeline(state: String, monitorURL: String = "http://127.0.0.1:1", password: String = "simulator-auth-token",
                  outputs: String) -> String {
        """
        state:
          dir: \(state)
        sources:
          monitor:
            base_url: \(monitorURL)
            account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            password: \(password)
            request_timeout: 5s
        outputs:
        \(outputs)
        """
    }

    @Test("a TLS file that is not PEM fails validate with the file and key that name it, though it can be read")
    func badPEM() async throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        try "not a certificate\n".write(toFile: dir.path + "/ca.txt", atomically: true, encoding: .utf8)
        try "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n".write(toFile: dir.path + "/client.key", atomically: true, encoding: .utf8)
        let path = dir.path + "/pipeline.yaml"
        try pipeline(state: dir.path + "/state", outputs: """
              - name: siem
                format: cef
                transport: { type: tls, host: 127.0.0.1, port: 6514, ca_file: \(dir.path)/ca.txt }
              - name: mtls
                format: cef
                transport: { type: tls, host: 127.0.0.1, port: 6514, ca_file: \(ca.caFile), cert_file: \(ca.clientCert), key_file: \(dir.path)/client.key }
            """).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["validate", "--config", path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("\(path): outputs[0].transport.ca_file: \"\(dir.path)/ca.txt\" is not a PEM CA certificate file") == true,
                "\(result.stderr)")
        #expect(lines.last?.hasPrefix("\(path): outputs[1].transport.key_file: \"\(dir.path)/client.key\" is not an unencrypted PEM private key") == true,
                "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a client key that is not the certificate's fails validate at key_file")
    func mismatchedKey() async throws {
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let path = dir.path + "/pipeline.yaml"
        try pipeline(state: dir.path + "/state", outputs: """
              - name: mtls
                format: cef
                transport: { type: tls, host: 127.0.0.1, port: 6514, ca_file: \(ca.caFile), cert_file: \(ca.clientCert), key_file: \(ca.serverKey) }
            """).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["validate", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(path): outputs[0].transport.key_file: \"\(ca.serverKey)\" and cert_file do not make a TLS client identity"),
                "\(result.stderr)")
    }

    @Test("state.dir and an output directory that cannot be created (a file is in the way) fail validate; directories still to be made pass")
    func directories() async throws {
        let dir = TestDirectory()
        try "".write(toFile: dir.path + "/occupied", atomically: true, encoding: .utf8)
        let path = dir.path + "/pipeline.yaml"
        try pipeline(state: dir.path + "/occupied/state", outputs: """
              - name: files
                format: ndjson
                transport: { type: file, path: "\(dir.path)/occupied/out/{yyyy}/twilio-{seq}.ndjson.gz" }
              - name: fresh
                format: ndjson
                transport: { type: file, path: "\(dir.path)/new/deeper/{yyyy}/twilio-{seq}.ndjson.gz" }
            """).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["validate", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr == """
            \(path): state.dir: "\(dir.path)/occupied/state" cannot be created: "\(dir.path)/occupied" is a file, not a directory
            \(path): outputs[0].transport.path: "\(dir.path)/occupied/out" cannot be created: "\(dir.path)/occupied" is a file, not a directory

            """, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/new"), "validate creates nothing")
    }

    @Test("validate --connect: one line per check, the Monitor credentials accepted or refused, a TCP collector that listens, one that does not, a TLS handshake that fails; exit 1 when one fails")
    func connect() async throws {
        let simulator = try await TwilioSimulator.start(simulatorConfiguration(seed: 3, days: 1, perDay: 10, perMinute: 0), logger: quietLogger)
        // A plain HTTP server: a TCP collector stand-in that accepts connections (and answers a
        // TLS ClientHello with nothing a TLS client accepts).
        let listener = try await LoopbackHTTPServer.start()
        defer { Task { try await listener.stop() } }
        let dir = TestDirectory()
        let ca = try TestCA(directory: dir.path + "/ca")
        let closedPort = try SyslogNG.freePort(datagram: false)
        let path = dir.path + "/pipeline.yaml"
        try pipeline(state: dir.path + "/state", monitorURL: simulator.baseURL, outputs: """
              - name: up
                format: cef
                transport: { type: tcp, host: 127.0.0.1, port: \(listener.port), connect_timeout: 5s }
              - name: down
                format: cef
                transport: { type: tcp, host: 127.0.0.1, port: \(closedPort), connect_timeout: 5s }
              - name: secure
                format: cef
                transport: { type: tls, host: 127.0.0.1, port: \(listener.port), ca_file: \(ca.caFile), connect_timeout: 5s }
            """).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runForwarder(["validate", "--config", path, "--connect"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let out = result.stdout.split(separator: "\n").map(String.init)
        #expect(out.count == 3, "\(result.stdout)")
        #expect(out.first?.hasPrefix("\(path) is valid") == true)
        #expect(out.contains("Monitor API at \(simulator.baseURL) accepted the credentials of ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."), "\(result.stdout)")
        #expect(out.contains("Output up connected to tcp://127.0.0.1:\(listener.port)."), "\(result.stdout)")
        let err = result.stderr.split(separator: "\n").map(String.init)
        #expect(err.count == 3, "\(result.stderr)")
        #expect(err.contains { $0.hasPrefix("Output down could not connect to tcp://127.0.0.1:\(closedPort)") }, "\(result.stderr)")
        #expect(err.contains { $0.hasPrefix("Output secure failed the TLS handshake with tls://127.0.0.1:\(listener.port)") }, "\(result.stderr)")
        #expect(err.last == "2 of 4 connection checks failed.")

        let wrong = dir.path + "/wrong.yaml"
        try pipeline(state: dir.path + "/state", monitorURL: simulator.baseURL, password: "not-the-token", outputs: """
              - name: up
                format: cef
                transport: { type: tcp, host: 127.0.0.1, port: \(listener.port) }
            """).write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = try await runForwarder(["validate", "--config", wrong, "--connect"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("Monitor API at \(simulator.baseURL) refused the credentials of ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (HTTP 401"),
                "\(refused.stderr)")
        #expect(refused.stdout.contains("Output up connected to"), "\(refused.stdout)")
        await simulator.stop()
    }
}
