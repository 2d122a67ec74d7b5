/// Reading `outputs`: names, formats and their options; transports are read in TransportConfigs+Reading.
extension OutputConfig {
    static let formatNames = ["ndjson", "rfc5424", "cef"]

    static func readAll(from top: ConfigMapping) -> [OutputConfig]? {
        guard top.has("outputs") else {
            top.reportMissing("outputs")
            return nil
        }
        guard let nodes = top.list("outputs") else { return nil }
        if nodes.isEmpty { top.report("at least one output is required", at: "outputs") }
        var outputs: [OutputConfig] = []
        var firstIndexByName: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            let path = top.keyPath("outputs") + "[\(index)]"
            guard let mapping = top.reader.mapping(node, path: path) else { continue }
            let name = mapping.string("name", required: true, check: nameProblem)
            if let name {
                if let first = firstIndexByName[name] {
                    mapping.report("output name \(ConfigReader.quoted(name)) is already used by outputs[\(first)]", at: "name")
                } else {
                    firstIndexByName[name] = index
                }
            }
            let formatName = mapping.choice("format", required: true, formatNames.map { ($0, $0) })
            // Options for another format go before the transport's problems, as they did when read first.
            let formatSlot = top.reader.reserveProblemSlot()
            let transport = TransportConfig.read(from: mapping)
            let format = readFormat(formatName, from: mapping, reportingIn: formatSlot)
            if let name, let format, let transport {
                outputs.append(OutputConfig(name: name, format: format, transport: transport))
            }
        }
        return outputs.count == nodes.count && !nodes.isEmpty ? outputs : nil
    }

    private static func nameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "_.-".unicodeScalars.contains(scalar)
        }
        return allowed && (1...64).contains(name.count) ? nil
            : "expected 1 to 64 letters, digits, \"_\", \".\" or \"-\", got \(ConfigReader.quoted(name))"
    }

    /// The format named `name` with the options under the sibling key of the same name. Every format's
    /// options key is looked at, so each is accepted; options for another format than `name` are a problem.
    private static func readFormat(_ name: String?, from mapping: ConfigMapping,
                                   reportingIn slot: ConfigReader.ProblemSlot) -> OutputFormat? {
        for other in formatNames where mapping.has(other) {
            guard let name, other != name else { continue }
            mapping.reader.report("options \"\(other)\" do not apply to format \(name); remove them or change format",
                                  at: mapping.keyPosition(other), key: mapping.keyPath(other), in: slot)
        }
        switch name {
        case "ndjson":
            _ = mapping.section("ndjson", keyContext: " for format ndjson")
            return .ndjson(NDJSONOptions())
        case "rfc5424":
            return .rfc5424(mapping.section("rfc5424").map(RFC5424Options.read) ?? RFC5424Options())
        case "cef":
            return .cef(mapping.section("cef").map(CEFOptions.read) ?? CEFOptions())
        default:
            return nil
        }
    }
}

extension RFC5424Options {
    static func read(_ mapping: ConfigMapping) -> RFC5424Options {
        RFC5424Options(
            facility: ConfigSyslogFacility.read(mapping),
            hostname: mapping.string("hostname", check: { ConfigSyslogFacility.printableProblem($0, maxLength: 255) }),
            appName: mapping.string("app_name", check: { ConfigSyslogFacility.printableProblem($0, maxLength: 48) }),
            enterpriseID: mapping.int("enterprise_id", in: 1...Int(UInt32.max)),
            message: mapping.choice("message", RFC5424Message.allCases.map { ($0.rawValue, $0) }))
    }
}

extension CEFOptions {
    static func read(_ mapping: ConfigMapping) -> CEFOptions {
        let notEmpty: (String) -> String? = { $0.isEmpty ? "must not be empty" : nil }
        return CEFOptions(
            product: mapping.string("product", check: notEmpty),
            version: mapping.string("version", check: notEmpty),
            syslogHeader: mapping.bool("syslog_header"),
            facility: ConfigSyslogFacility.read(mapping),
            hostname: mapping.string("hostname", check: { ConfigSyslogFacility.printableProblem($0, maxLength: 255) }))
    }
}

/// Syslog facilities by number (0...23) or name, and the syslog header's printable-ASCII rule.
enum ConfigSyslogFacility {
    static let names = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
        "local7",
    ]

    static func parse(_ text: String) -> Int? {
        if let number = Int(text), text.allSatisfy(\.isNumber) { return (0...23).contains(number) ? number : nil }
        return names.firstIndex(of: text)
    }

    static func read(_ mapping: ConfigMapping) -> Int? {
        mapping.value("facility", required: false, expected: "a syslog facility: 0 to 23 or a name like local0, user or auth",
                      convert: parse)
    }

    /// RFC 5424 header fields are 1 to `maxLength` printable US-ASCII characters without spaces.
    static func printableProblem(_ text: String, maxLength: Int) -> String? {
        let printable = text.unicodeScalars.allSatisfy { (33...126).contains($0.value) }
        return printable && (1...maxLength).contains(text.unicodeScalars.count) ? nil
            : "expected 1 to \(maxLength) printable ASCII characters without spaces, got \(ConfigReader.quoted(text))"
    }
}
