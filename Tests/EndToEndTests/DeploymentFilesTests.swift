import Foundation
import Testing
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// The files users copy from `deploy/` and `pipelines/`, read the way their consumers read them.
enum DeploymentFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every file under `deploy/` and `pipelines/`, relative to the repository.
    static func all() -> [String] {
        ["deploy", "pipelines"].flatMap { folder -> [String] in
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            return (enumerator?.allObjects as? [String] ?? []).map { folder + "/" + $0 }
                .filter { path in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory) && !isDirectory.boolValue
                }
        }.sorted()
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every YAML document of the file (Kubernetes manifests hold several).
    static func documents(_ path: String) throws -> [Any] {
        var sequence = try Yams.load_all(yaml: try text(path))
        var documents: [Any] = []
        while let document = sequence.next() { documents.append(document) }
        if let error = sequence.error { throw TestFailure("\(path): \(error)") }
        return documents
    }

    /// The one YAML document of the file, as a mapping.
    static func mapping(_ path: String) throws -> [String: Any] {
        let documents = try documents(path)
        #expect(documents.count == 1, "\(path) holds \(documents.count) documents")
        return try #require(documents.first as? [String: Any], "\(path) is not a mapping")
    }

    /// A Splunk `.conf` file: stanza → key → value. Every line must be blank, a comment, a
    /// `[stanza]` or `key = value`, as Splunk reads them.
    static func conf(_ path: String) throws -> [String: [String: String]] {
        var stanzas: [String: [String: String]] = [:]
        var current = "default"
        for (number, raw) in try text(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
                #expect(stanzas[current] == nil, "\(path):\(number + 1): stanza [\(current)] given twice")
                stanzas[current] = [:]
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw TestFailure("\(path):\(number + 1): neither a comment, a [stanza] nor key = value: \(line)")
            }
            #expect(stanzas[current]?[parts[0]] == nil, "\(path):\(number + 1): \(parts[0]) given twice in [\(current)]")
            stanzas[current, default: [:]][parts[0]] = parts[1]
        }
        return stanzas
    }

    /// A name a file output with this path template gives a file, e.g. `twilio-20261120-081500-000001.ndjson.gz`.
    static func sampleName(_ template: String) -> String {
        let name = (template as NSString).lastPathComponent
        return [("{yyyy}", "2026"), ("{MM}", "11"), ("{dd}", "20"), ("{HH}", "08"), ("{mm}", "15"), ("{ss}", "00"), ("{seq}", "000001")]
            .reduce(name) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// The NDJSON example records of Docs/OUTPUT-FORMATS.md: exact output of the encoder.
    static func exampleRecords() throws -> [String] {
        try text("Docs/OUTPUT-FORMATS.md").split(separator: "\n").filter { $0.hasPrefix("{\"@timestamp\":") }.map(String.init)
    }

    /// The first Kubernetes object of `kind` (and `name`, when given) in a manifest.
    static func object(_ documents: [Any], kind: String, name: String? = nil) throws -> [String: Any] {
        try #require(documents.lazy.compactMap { $0 as? [String: Any] }.first {
            $0["kind"] as? String == kind && (name == nil || ($0["metadata"] as? [String: Any])?["name"] as? String == name)
        }, "no \(kind) \(name ?? "")")
    }
}

/// `value[key1][key2]…` through nested mappings and lists (an Int key indexes a list).
private func dig(_ value: Any?, _ keys: any Sendable...) -> Any? {
    keys.reduce(value) { current, key in
        if let index = key as? Int { return (current as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
        return (current as? [String: Any])?[key as? String ?? ""]
    }
}

@Suite("The files in deploy/ and pipelines/")
struct DeploymentFilesTests {
    @Test("every file in deploy/ and pipelines/ parses: YAML with Yams, Splunk .conf files as stanzas of key = value",
          arguments: DeploymentFiles.all())
    func parses(path: String) throws {
        switch (path as NSString).pathExtension {
        case "yaml", "yml":
            #expect(try !DeploymentFiles.documents(path).isEmpty, "\(path) holds no YAML document")
        case "conf":
            #expect(try !DeploymentFiles.conf(path).isEmpty, "\(path) holds no stanza")
        default:
            Issue.record("\(path): no test reads this kind of file; add one to DeploymentFilesTests")
        }
    }

    @Test("a Kubernetes manifest runs the forwarder as a native sidecar with the collector's fsGroup, probes on the operations listener, the pipeline of pipelines/ and the collector reading the files it writes",
          arguments: [("splunk-uf.yaml", 41812, "splunk-uf", "splunk-files.yaml"), ("filebeat.yaml", 1000, "filebeat", "elastic-filebeat.yaml")])
    func kubernetes(manifest: String, fsGroup: Int, collector: String, pipeline: String) throws {
        let documents = try DeploymentFiles.documents("deploy/kubernetes/" + manifest)
        let pod = try #require(dig(try DeploymentFiles.object(documents, kind: "Deployment"), "spec", "template", "spec") as? [String: Any])
        #expect(dig(pod, "securityContext", "fsGroup") as? Int == fsGroup)

        let sidecar = try #require(dig(pod, "initContainers", 0) as? [String: Any])
        #expect(sidecar["name"] as? String == "forwarder")
        #expect(sidecar["restartPolicy"] as? String == "Always", "a native sidecar")
        #expect(dig(sidecar, "securityContext", "runAsUser") as? Int == 10001)
        #expect(dig(sidecar, "securityContext", "runAsGroup") as? Int == 10001)
        #expect((sidecar["ports"] as? [[String: Any]])?.contains { $0["name"] as? String == "operations" && $0["containerPort"] as? Int == 9464 } == true)
        #expect(dig(sidecar, "readinessProbe", "httpGet", "path") as? String == "/readyz")
        #expect(dig(sidecar, "livenessProbe", "httpGet", "path") as? String == "/healthz")
        #expect(dig(sidecar, "readinessProbe", "httpGet", "port") as? String == "operations")

        // The collector mounts the same volume and subPath where the forwarder writes.
        func filesMount(_ container: Any?) -> String? {
            (dig(container, "volumeMounts") as? [[String: Any]])?.first { $0["mountPath"] as? String == "/var/log/twilio" }
                .map { "\($0["name"] ?? "")/\($0["subPath"] ?? "")" }
        }
        let reader = try #require((pod["containers"] as? [[String: Any]])?.first { $0["name"] as? String == collector })
        #expect(filesMount(sidecar) != nil && filesMount(sidecar) == filesMount(reader))
        #expect((dig(sidecar, "volumeMounts") as? [[String: Any]])?.contains { $0["mountPath"] as? String == "/etc/siem-forwarder" } == true,
                "the pipeline where SIEM_FORWARDER_CONFIG points")

        // The embedded pipeline is pipelines/<pipeline>, which `validate` accepts (CommandLineTests).
        let configMap = try DeploymentFiles.object(documents, kind: "ConfigMap", name: "twilio-siem-forwarder-pipeline")
        #expect(dig(configMap, "data", "pipeline.yaml") as? String == (try DeploymentFiles.text("pipelines/" + pipeline)))
        let parsed = try DeploymentFiles.mapping("pipelines/" + pipeline)
        #expect(dig(parsed, "outputs", 0, "transport", "file_mode") as? String == "0640")
        #expect(dig(parsed, "outputs", 0, "transport", "group") as? String == "${OUTPUT_GROUP:-\(fsGroup)}")
        #expect(dig(parsed, "operations", "listen") as? String == "0.0.0.0:9464", "the kubelet's probes reach it")
    }

    @Test("the collector configurations in the manifests are deploy/splunk and deploy/filebeat, verbatim")
    func collectorConfigsInSync() throws {
        let splunk = try DeploymentFiles.object(try DeploymentFiles.documents("deploy/kubernetes/splunk-uf.yaml"),
                                                kind: "ConfigMap", name: "twilio-siem-forwarder-splunk-app")
        #expect(dig(splunk, "data", "inputs.conf") as? String == (try DeploymentFiles.text("deploy/splunk/inputs.conf")))
        #expect(dig(splunk, "data", "outputs.conf") as? String == (try DeploymentFiles.text("deploy/splunk/outputs.conf")))
        let filebeat = try DeploymentFiles.object(try DeploymentFiles.documents("deploy/kubernetes/filebeat.yaml"),
                                                  kind: "ConfigMap", name: "twilio-siem-forwarder-filebeat")
        #expect(dig(filebeat, "data", "filebeat.yml") as? String == (try DeploymentFiles.text("deploy/filebeat/filebeat.yml")))
    }

    @Test("the Universal Forwarder monitors complete files of splunk-files.yaml, never a .part or a replay folder, and props.conf takes @timestamp from the first bytes of the encoder's own records")
    func splunk() throws {
        let template = try #require(dig(try DeploymentFiles.mapping("pipelines/splunk-files.yaml"), "outputs", 0, "transport", "path") as? String)
        #expect(template.hasPrefix("${OUTPUT_DIR:-/var/log/twilio}/"))
        let inputs = try DeploymentFiles.conf("deploy/splunk/inputs.conf")
        let monitor = try #require(inputs["monitor:///var/log/twilio"], "a monitor stanza for the output volume")
        let whitelist = try NSRegularExpression(pattern: try #require(monitor["whitelist"]))
        func matches(_ path: String) -> Bool { whitelist.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil }
        let complete = "/var/log/twilio/" + DeploymentFiles.sampleName(template)
        #expect(matches(complete), "\(complete)")
        #expect(!matches(complete + ".part"))
        #expect(monitor["recursive"] == "false", "replays go to replay-<job>/ beside the live files: index them on purpose, elsewhere")
        let sourcetype = try #require(monitor["sourcetype"])
        #expect(monitor["index"] != nil)

        let props = try #require(try DeploymentFiles.conf("deploy/splunk/props.conf")[sourcetype], "props.conf has [\(sourcetype)]")
        #expect(props["SHOULD_LINEMERGE"] == "false")
        #expect(props["KV_MODE"] == "json")
        #expect(props["TZ"] == "UTC")
        #expect(props["TIME_FORMAT"] == "%Y-%m-%dT%H:%M:%S.%3N%Z")
        let prefix = try NSRegularExpression(pattern: try #require(props["TIME_PREFIX"]))
        let lookahead = try #require(props["MAX_TIMESTAMP_LOOKAHEAD"].flatMap { Int($0) })
        let records = try DeploymentFiles.exampleRecords()
        #expect(!records.isEmpty)
        for record in records {
            let match = try #require(prefix.firstMatch(in: record, range: NSRange(record.startIndex..., in: record)))
            let rest = record[try #require(Range(match.range, in: record)).upperBound...]
            let timestamp = String(rest.prefix { $0 != "\"" })
            #expect(timestamp.count == 24 && timestamp.hasSuffix("Z") && timestamp.count <= lookahead, "\(timestamp)")
        }
    }

    @Test("Filebeat's filestream reads complete gzip files of elastic-filebeat.yaml with the ndjson parser, and its fingerprint is shorter than any record")
    func filebeat() throws {
        let template = try #require(dig(try DeploymentFiles.mapping("pipelines/elastic-filebeat.yaml"), "outputs", 0, "transport", "path") as? String)
        let input = try #require(dig(try DeploymentFiles.mapping("deploy/filebeat/filebeat.yml"), "filebeat.inputs", 0) as? [String: Any])
        #expect(input["type"] as? String == "filestream")
        #expect((input["id"] as? String)?.isEmpty == false, "filestream needs a unique id")
        #expect(input["compression"] as? String == "auto", "gzip files (Filebeat 9.3+)")
        let glob = try #require(dig(input, "paths", 0) as? String)
        let complete = "/var/log/twilio/" + DeploymentFiles.sampleName(template)
        #expect(fnmatch(glob, complete, 0) == 0, "\(glob) matches \(complete)")
        #expect(fnmatch(glob, complete + ".part", 0) != 0)
        #expect(dig(input, "parsers", 0, "ndjson", "target") as? String == "")
        #expect(dig(input, "parsers", 0, "ndjson", "overwrite_keys") as? Bool == true)
        let fingerprint = try #require(input["prospector.scanner.fingerprint.length"] as? Int)
        let shortest = try DeploymentFiles.exampleRecords().map(\.utf8.count).min() ?? 0
        #expect(fingerprint >= 64 && fingerprint < shortest, "fingerprint \(fingerprint), shortest record \(shortest) bytes")
    }

    @Test("every metric an alert rule uses is a siem_forwarder_ family Docs/OPERATIONS.md documents, and every rule has a severity and a summary")
    func alertRules() throws {
        let operations = try DeploymentFiles.text("Docs/OPERATIONS.md")
        let groups = try #require(try DeploymentFiles.mapping("deploy/prometheus/alerts.yaml")["groups"] as? [[String: Any]])
        let rules = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        #expect(rules.count >= 5)
        let metricName = try NSRegularExpression(pattern: #"\b(?:twilio|forwarder|siem_forwarder|eventstreams)_[a-z_]+\b"#)
        for rule in rules {
            let name = rule["alert"] as? String ?? "?"
            let expression = try #require(rule["expr"] as? String, "\(name) has an expr")
            #expect(dig(rule, "labels", "severity") is String, "\(name) has a severity")
            #expect(dig(rule, "annotations", "summary") is String, "\(name) has a summary")
            for match in metricName.matches(in: expression, range: NSRange(expression.startIndex..., in: expression)) {
                let metric = String(expression[Range(match.range, in: expression)!])
                #expect(metric.hasPrefix("siem_forwarder_"), "\(name): \(metric) is not a siem_forwarder_ name (renamed, see CHANGELOG)")
                #expect(operations.contains("`\(metric)`") || operations.contains("`\(metric){"), "\(name): \(metric) is not in OPERATIONS.md")
            }
        }
    }

    @Test("the compose file runs the image with a shipped pipeline from SIEM_FORWARDER_CONFIG, in the collector's group, and the collector reads the same volume",
          arguments: [("forwarder-splunk", "splunk-uf", "splunk-files.yaml", "41812"), ("forwarder-elastic", "filebeat", "elastic-filebeat.yaml", "1000")])
    func compose(service: String, collector: String, pipeline: String, group: String) throws {
        let services = try #require(try DeploymentFiles.mapping("deploy/compose/compose.yaml")["services"] as? [String: Any])
        let forwarder = try #require(services[service] as? [String: Any])
        #expect(dig(forwarder, "environment", "SIEM_FORWARDER_CONFIG") as? String == "/usr/share/siem-forwarder/pipelines/" + pipeline)
        #expect(FileManager.default.fileExists(atPath: DeploymentFiles.root.appendingPathComponent("pipelines/" + pipeline).path))
        #expect(dig(forwarder, "environment", "OUTPUT_GROUP") as? String == group)
        #expect(dig(forwarder, "group_add") as? [String] == [group])
        func volume(_ service: Any?) -> String? {
            (dig(service, "volumes") as? [String])?.first { $0.contains(":/var/log/twilio") }?.split(separator: ":").first.map(String.init)
        }
        #expect(volume(forwarder) != nil && volume(forwarder) == volume(services[collector]))
        #expect(dig(services[collector], "profiles") as? [String] == dig(forwarder, "profiles") as? [String])
    }
}
