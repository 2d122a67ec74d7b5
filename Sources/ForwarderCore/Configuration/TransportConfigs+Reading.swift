import Foundation

/// Reading `outputs[i].transport`: the `type` decides which keys the mapping accepts.
extension TransportConfig {
    static let typeNames = ["file", "udp", "tcp", "tls", "nats"]

    static func read(from output: ConfigMapping) -> TransportConfig? {
        guard output.has("transport") else {
            output.reportMissing("transport")
            return nil
        }
        guard let node = output.node("transport"), case .mapping = node.content,
              let mapping = output.reader.mapping(node, path: output.keyPath("transport")) else {
            let got = output.node("transport").map(ConfigReader.describe) ?? "nothing"
            output.reader.report("expected a mapping with a type, got \(got)", at: output.valuePosition("transport"),
                                 key: output.keyPath("transport"))
            return nil
        }
        guard let type = readType(mapping) else {
            // Without a usable type, accept the keys of every type so that only the type is reported.
            mapping.accept(keysOfEveryType)
            return nil
        }
        mapping.keyContext = " for transport type \(type)"
        return read(type, from: mapping)
    }

    /// The transport of type `type`, from a mapping whose `type` has been read.
    private static func read(_ type: String, from mapping: ConfigMapping) -> TransportConfig? {
        switch type {
        case "file": FileTransportConfig.read(mapping).map(TransportConfig.file)
        case "udp": UDPTransportConfig.read(mapping).map(TransportConfig.udp)
        case "tcp": TCPTransportConfig.read(mapping).map(TransportConfig.tcp)
        case "nats": NATSTransportConfig.read(mapping).map(TransportConfig.nats)
        default: TLSTransportConfig.read(mapping).map(TransportConfig.tls)
        }
    }

    /// `type`, then the keys of each type in the order of `typeNames`.
    private static let keysOfEveryType = ConfigMapping.keys { mapping in
        _ = readType(mapping)
        for type in typeNames { _ = read(type, from: mapping) }
    }

    /// The `type` word, one of `typeNames`; a missing or empty type is reported as missing.
    private static func readType(_ mapping: ConfigMapping) -> String? {
        let type = mapping.value("type", required: false, expected: "a transport type", convert: { $0 }) { type in
            typeNames.contains(type) ? nil : "expected one of file, udp, tcp, tls or nats, got \(ConfigReader.quoted(type))"
        }
        if mapping.node("type") == nil { mapping.reportMissing("type") }
        return type
    }

    static func host(_ mapping: ConfigMapping) -> String? {
        mapping.string("host", required: true) { host in
            host.isEmpty || host.contains(where: \.isWhitespace)
                ? "expected a host name or IP address, got \(ConfigReader.quoted(host))" : nil
        }
    }
}

extension FileTransportConfig {
    static func read(_ mapping: ConfigMapping) -> FileTransportConfig? {
        let path = mapping.string("path", required: true, check: placeholderProblem)
        let gzip = mapping.bool("gzip")
        let gzipLevel = mapping.int("gzip_level", in: 1...9)
        var rotate: RotationConfig?
        if let section = mapping.section("rotate") {
            let maxBytes = section.size("max_bytes", in: 1...Int.max)
            let maxAge = section.duration("max_age", atLeast: .milliseconds(1))
            if !section.has("max_bytes"), !section.has("max_age") {
                section.reportHere("give max_bytes, max_age or both")
            }
            rotate = RotationConfig(maxBytes: maxBytes, maxAge: maxAge)
        }
        let fileMode = mapping.value("file_mode", required: false, expected: "an octal mode like \"0640\"", convert: Self.octalMode,
                                     check: { $0 & 0o600 == 0o600 ? nil : "the owner must be able to read and write its files (0600 at least), got \(String($0, radix: 8))" })
        let group = mapping.value("group", required: false, expected: "a group name or numeric id", convert: { $0.isEmpty ? nil : $0 },
                                  check: { Self.groupID($0) == nil ? "no group \(ConfigReader.quoted($0)) on this machine" : nil })
        guard let path else { return nil }
        let file = FileTransportConfig(path: path, gzip: gzip, gzipLevel: gzipLevel, rotate: rotate, fileMode: fileMode,
                                       group: group.flatMap(groupID))
        if file.gzip {
            if !path.hasSuffix(".gz") {
                mapping.report("a gzip file path must end in \".gz\" (for example \".ndjson.gz\"), "
                               + "got \(ConfigReader.quoted(path))", at: "path")
            } else if !path.contains("{seq}") {
                mapping.report("a gzip file path needs {seq} so rotated files get distinct names", at: "path")
            }
        }
        return file
    }

    /// `0640`, `640` or `"0640"` as permission bits (no set-id or sticky bits).
    static func octalMode(_ text: String) -> UInt32? {
        guard (3...4).contains(text.count), let mode = UInt32(text, radix: 8), mode <= 0o777 else { return nil }
        return mode
    }

    /// A group's id from its name or number, when the machine has it.
    static func groupID(_ text: String) -> UInt32? {
        if let number = UInt32(text) { return number }
        guard let entry = getgrnam(text) else { return nil }
        return entry.pointee.gr_gid
    }

    /// Unknown or unclosed `{placeholder}`s in a path template.
    static func placeholderProblem(_ path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                return "\"{\" is not closed by \"}\" in \(ConfigReader.quoted(path))"
            }
            let name = rest[rest.index(after: open)..<close]
            if !placeholders.contains(String(name)) {
                return "unknown placeholder {\(name)}; expected one of " + placeholders.map { "{\($0)}" }.joined(separator: ", ")
            }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }
}

extension UDPTransportConfig {
    static func read(_ mapping: ConfigMapping) -> UDPTransportConfig? {
        let host = TransportConfig.host(mapping)
        let port = mapping.int("port", required: true, in: 1...65_535)
        let maxDatagram = mapping.int("max_datagram_bytes", in: 480...65_507)
        guard let host, let port else { return nil }
        return UDPTransportConfig(host: host, port: port, maxDatagramBytes: maxDatagram)
    }
}

extension TCPTransportConfig {
    static func read(_ mapping: ConfigMapping) -> TCPTransportConfig? {
        let host = TransportConfig.host(mapping)
        let port = mapping.int("port", required: true, in: 1...65_535)
        let framing = mapping.choice("framing", Framing.allCases.map { ($0.rawValue, $0) })
        let connectTimeout = mapping.duration("connect_timeout", atLeast: .milliseconds(1))
        let reconnect = RetryConfig.read(mapping, key: "reconnect")
        let ackTimeout = mapping.duration("ack_timeout", atLeast: .seconds(1))
        guard let host, let port else { return nil }
        return TCPTransportConfig(host: host, port: port, framing: framing, connectTimeout: connectTimeout, reconnect: reconnect,
                                  ackTimeout: ackTimeout)
    }
}

extension TLSTransportConfig {
    static func read(_ mapping: ConfigMapping) -> TLSTransportConfig? {
        let tcp = TCPTransportConfig.read(mapping)
        let notEmpty: (String) -> String? = { $0.isEmpty ? "must not be empty" : nil }
        let caFile = mapping.string("ca_file", check: notEmpty)
        let certFile = mapping.string("cert_file", check: notEmpty)
        let keyFile = mapping.string("key_file", check: notEmpty)
        if mapping.has("cert_file") != mapping.has("key_file") {
            let given = mapping.has("cert_file") ? "cert_file" : "key_file"
            let missing = given == "cert_file" ? "key_file" : "cert_file"
            mapping.report("\(given) needs \(missing) too: a client certificate and its key are given together", at: given)
        }
        // Read now, so `validate` catches a wrong path as `run` would (run reads them again on
        // every connect, to pick up renewed certificates).
        for (key, path) in [("ca_file", caFile), ("cert_file", certFile), ("key_file", keyFile)] {
            guard let path else { continue }
            do {
                _ = try mapping.reader.readFile(path)
            } catch {
                mapping.report("cannot read \(ConfigReader.quoted(path)): \(ConfigFileText.reason(error))", at: key)
            }
        }
        let serverName = mapping.string("server_name", check: notEmpty)
        let verifyHostname = mapping.bool("verify_hostname")
        guard let tcp else { return nil }
        return TLSTransportConfig(tcp: tcp, caFile: caFile, certFile: certFile, keyFile: keyFile,
                                  serverName: serverName, verifyHostname: verifyHostname)
    }
}
