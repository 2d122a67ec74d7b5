import Testing
@testable import ForwarderCore

@Suite("Output transports")
struct ConfigTransportTests {
    static func transport(_ body: String) throws(ConfigError) -> TransportConfig {
        try ConfigFixture.output("format: ndjson\ntransport:\n" + ConfigFixture.indent(body, by: 2)).transport
    }

    static func problems(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
        ConfigFixture.outputProblems("format: ndjson\ntransport:\n" + ConfigFixture.indent(body, by: 2),
                                     sourceLocation: sourceLocation)
    }

    // MARK: file

    @Test("a plain file appends forever by default")
    func plainFileDefaults() throws {
        let transport = try Self.transport("type: file\npath: /var/log/twilio.ndjson")
        #expect(transport == .file(FileTransportConfig(path: "/var/log/twilio.ndjson", gzip: false, gzipLevel: 6, rotate: nil)))
        #expect(transport.typeName == "file")
    }

    @Test("a .gz path turns gzip on and gets the default rotation")
    func gzipFileDefaults() throws {
        let transport = try Self.transport("type: file\npath: ./out/t-{yyyy}{MM}{dd}-{seq}.ndjson.gz")
        #expect(transport == .file(FileTransportConfig(path: "./out/t-{yyyy}{MM}{dd}-{seq}.ndjson.gz", gzip: true,
                                                       gzipLevel: 6, rotate: RotationConfig(maxBytes: 64 << 20, maxAge: .seconds(300)))))
    }

    @Test("every file key is read; a rotate with one limit leaves the other off")
    func fileAllKeys() throws {
        let transport = try Self.transport("""
            type: file
            path: ./out/{seq}.log
            gzip: false
            gzip_level: 9
            rotate: { max_bytes: 10MB }
            file_mode: "0660"
            group: "0"
            """)
        #expect(transport == .file(FileTransportConfig(path: "./out/{seq}.log", gzip: false, gzipLevel: 9,
                                                       rotate: RotationConfig(maxBytes: 10_000_000, maxAge: nil),
                                                       fileMode: 0o660, group: 0)))
        #expect(try Self.transport("type: file\npath: ./a.log\nfile_mode: 644\ngroup: root") == .file(FileTransportConfig(
            path: "./a.log", fileMode: 0o644, group: 0)))
    }

    @Test("file path rules", arguments: [
        ("path: ./out.ndjson.gz", "outputs[0].transport.path", "a gzip file path needs {seq} so rotated files get distinct names"),
        ("path: ./out-{seq}.ndjson\ngzip: true", "outputs[0].transport.path",
         "a gzip file path must end in \".gz\" (for example \".ndjson.gz\"), got \"./out-{seq}.ndjson\""),
        ("path: ./out-{date}.log", "outputs[0].transport.path",
         "unknown placeholder {date}; expected one of {yyyy}, {MM}, {dd}, {HH}, {mm}, {ss}, {seq}"),
        ("path: ./out-{seq.log", "outputs[0].transport.path", "\"{\" is not closed by \"}\" in \"./out-{seq.log\""),
        ("path: \"\"", "outputs[0].transport.path", "must not be empty"),
        ("path: ./a.log\ngzip_level: 10", "outputs[0].transport.gzip_level", "must be between 1 and 9, got 10"),
        ("path: ./a.log\nrotate: {}", "outputs[0].transport.rotate", "give max_bytes, max_age or both"),
        ("path: ./a.log\nrotate: { max_bytes: 1MiB, rotat: 5m }", "outputs[0].transport.rotate.rotat",
         "unknown key \"rotat\"; expected one of: max_bytes, max_age"),
        ("gzip: true", "outputs[0].transport", "missing required key \"path\""),
        ("path: ./a.log\nfile_mode: rw-r-----", "outputs[0].transport.file_mode", "expected an octal mode like \"0640\", got \"rw-r-----\""),
        ("path: ./a.log\nfile_mode: \"0440\"", "outputs[0].transport.file_mode",
         "the owner must be able to read and write its files (0600 at least), got 440"),
        ("path: ./a.log\nfile_mode: \"4755\"", "outputs[0].transport.file_mode", "expected an octal mode like \"0640\", got \"4755\""),
        ("path: ./a.log\ngroup: no-such-group-here", "outputs[0].transport.group", "no group \"no-such-group-here\" on this machine"),
    ])
    func filePathRules(body: String, key: String, message: String) throws {
        let problems = Self.problems("type: file\n" + body)
        #expect(problems.map(\.key) == [key])
        #expect(problems.map(\.message) == [message])
    }

    // MARK: udp, tcp, tls

    @Test("udp with defaults and with every key")
    func udp() throws {
        #expect(try Self.transport("type: udp\nhost: siem.example.com\nport: 514")
                == .udp(UDPTransportConfig(host: "siem.example.com", port: 514, maxDatagramBytes: 2048)))
        #expect(try Self.transport("{ type: udp, host: \"::1\", port: 514, max_datagram_bytes: 65507 }")
                == .udp(UDPTransportConfig(host: "::1", port: 514, maxDatagramBytes: 65507)))
        let problems = Self.problems("{ type: udp, port: 0, max_datagram_bytes: 479 }")
        #expect(problems.map(\.message) == [
            "missing required key \"host\"", "must be between 1 and 65535, got 0", "must be between 480 and 65507, got 479",
        ])
    }

    @Test("tcp with defaults and with every key")
    func tcp() throws {
        #expect(try Self.transport("{ type: tcp, host: 10.1.2.3, port: 6514 }")
                == .tcp(TCPTransportConfig(host: "10.1.2.3", port: 6514, framing: .octetCounting,
                                           connectTimeout: .seconds(10), reconnect: RetryConfig(initial: .seconds(1), max: .seconds(60)))))
        #expect(try Self.transport("""
            type: tcp
            host: siem
            port: 601
            framing: lf
            connect_timeout: 3s
            reconnect: { initial: 500ms, max: 2m }
            ack_timeout: 90s
            """) == .tcp(TCPTransportConfig(host: "siem", port: 601, framing: .lf, connectTimeout: .seconds(3),
                                             reconnect: RetryConfig(initial: .milliseconds(500), max: .seconds(120)),
                                             ackTimeout: .seconds(90))))
        let problems = Self.problems("{ type: tcp, host: siem, port: 601, framing: newline }")
        #expect(problems.map(\.message) == ["expected octet-counting or lf, got \"newline\""])
    }

    @Test("tls takes the tcp keys in the same mapping plus its own")
    func tls() throws {
        #expect(try Self.transport("{ type: tls, host: siem, port: 6514 }")
                == .tls(TLSTransportConfig(tcp: TCPTransportConfig(host: "siem", port: 6514), caFile: nil, certFile: nil,
                                           keyFile: nil, serverName: nil, verifyHostname: true)))
        #expect(try Self.transport("""
            type: tls
            host: 10.0.0.5
            port: 6514
            framing: lf
            ca_file: /etc/ssl/siem-ca.pem
            cert_file: /etc/ssl/client.pem
            key_file: /etc/ssl/client.key
            server_name: siem.example.com
            verify_hostname: false
            """) == .tls(TLSTransportConfig(tcp: TCPTransportConfig(host: "10.0.0.5", port: 6514, framing: .lf),
                                             caFile: "/etc/ssl/siem-ca.pem", certFile: "/etc/ssl/client.pem",
                                             keyFile: "/etc/ssl/client.key", serverName: "siem.example.com",
                                             verifyHostname: false)))
        let problems = Self.problems("{ type: tls, host: siem, port: 6514, cert_file: /etc/ssl/client.pem }")
        #expect(problems.map(\.key) == ["outputs[0].transport.cert_file"])
        #expect(problems.map(\.message) == ["cert_file needs key_file too: a client certificate and its key are given together"])
        let unreadable = Self.problems("{ type: tls, host: siem, port: 6514, ca_file: /etc/ssl/missing.pem }")
        #expect(unreadable.map(\.key) == ["outputs[0].transport.ca_file"])
        #expect(unreadable.map(\.message) == ["cannot read \"/etc/ssl/missing.pem\": no such test file"])
        #expect(unreadable.map(\.line) == [8], "the line of the flow mapping in the fixture file")
    }

    // MARK: type and keys

    @Test("keys of another transport type are unknown keys naming the type", arguments: [
        ("udp", "framing: lf", "framing", "type, host, port, max_datagram_bytes"),
        ("udp", "ca_file: /ca.pem", "ca_file", "type, host, port, max_datagram_bytes"),
        ("tcp", "path: ./x.log", "path", "type, host, port, framing, connect_timeout, reconnect, ack_timeout"),
        ("tcp", "verify_hostname: false", "verify_hostname", "type, host, port, framing, connect_timeout, reconnect, ack_timeout"),
        ("file", "host: siem", "host", "type, path, gzip, gzip_level, rotate, file_mode, group"),
        ("tls", "gzip: true", "gzip",
         "type, host, port, framing, connect_timeout, reconnect, ack_timeout, ca_file, cert_file, key_file, server_name, verify_hostname"),
    ])
    func crossTypeKeys(type: String, extra: String, key: String, expected: String) throws {
        let base = type == "file" ? "type: file\npath: ./x.log" : "type: \(type)\nhost: siem\nport: 514"
        let problem = try #require(Self.problems(base + "\n" + extra).first)
        #expect(problem.key == "outputs[0].transport.\(key)")
        #expect(problem.message == "unknown key \"\(key)\" for transport type \(type); expected one of: \(expected)")
        #expect(problem.line == (type == "file" ? 10 : 11))
        #expect(problem.column == 7)
    }

    @Test("a missing or unknown type is the only problem reported for the transport", arguments: [
        ("{ host: siem, port: 514 }", "outputs[0].transport", "missing required key \"type\""),
        ("{ type: kafka, host: siem, port: 514, path: x }", "outputs[0].transport.type",
         "expected one of file, udp, tcp, tls or nats, got \"kafka\""),
    ])
    func badType(body: String, key: String, message: String) throws {
        let problems = Self.problems(body)
        #expect(problems.map(\.key) == [key])
        #expect(problems.map(\.message) == [message])
    }

    @Test("a transport without a usable type still reports a key no type takes, listing the keys of every type")
    func unknownKeyWithoutType() {
        let problems = Self.problems("{ type: kafka, colour: blue }")
        #expect(problems.map(\.message) == [
            "expected one of file, udp, tcp, tls or nats, got \"kafka\"",
            "unknown key \"colour\"; expected one of: type, path, gzip, gzip_level, rotate, file_mode, group, host, port, "
                + "max_datagram_bytes, framing, connect_timeout, reconnect, ack_timeout, ca_file, cert_file, key_file, "
                + "server_name, verify_hostname, servers, user, password, password_file, token, token_file, "
                + "credentials_file, stream, subject, max_pending, ack_wait",
        ])
    }

    @Test("a transport that is not a mapping is a problem")
    func transportNotAMapping() throws {
        let problems = ConfigFixture.outputProblems("format: ndjson\ntransport: file")
        #expect(problems.map(\.description) == ["pipeline.yaml:7:16: outputs[0].transport: expected a mapping with a type, got \"file\""])
    }
}
