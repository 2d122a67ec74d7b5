import ArgumentParser
import ForwarderCore
import Foundation

/// `siem-forwarder health [--url URL] [--config FILE] [--live]`: asks a running forwarder's
/// `/readyz` (or, with `--live`, `/healthz`) on its operations listener; exits 0 on 200, else 1
/// with the reason in one line. For container `HEALTHCHECK`s, where the image has no curl.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Exit 0 when the forwarder's /readyz answers 200, else 1 with the reason (for container HEALTHCHECKs).",
        discussion: """
        The URL is --url, else the operations.listen of --config FILE (or of SIEM_FORWARDER_CONFIG), else \
        \(HealthTarget.defaultURL). A listener on 0.0.0.0 or [::] is asked on 127.0.0.1 or [::1]. /readyz answers \
        whether input can be taken (journal writable, not stopping); --live asks /healthz instead, which answers \
        while the process runs.
        """
    )

    @Option(help: ArgumentHelp("The readiness URL to ask (plain http).", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("The pipeline file whose operations.listen to ask.", valueName: "file"))
    var config: String?

    @Flag(help: "Ask /healthz (liveness: the process runs) instead of /readyz (readiness to take input).")
    var live = false

    @Option(help: ArgumentHelp("Seconds to wait for the connection and the answer together.", valueName: "seconds"))
    var timeout: Double = 2

    func run() async throws {
        guard timeout > 0, timeout <= 300 else {
            throw fail("--timeout must be more than 0 and at most 300 seconds, not \(timeout).", code: ExitStatus.invalidInput)
        }
        let target = try resolveTarget(environment: ProcessInfo.processInfo.environment)
        let outcome = await ReadinessProbe.get(target, timeout: .milliseconds(Int64(timeout * 1000)))
        let verdict = HealthVerdict(target: target, outcome: outcome, timeout: timeout)
        guard verdict.ready else { throw fail(verdict.line, code: ExitStatus.notReady) }
        print(verdict.line)
    }

    /// `--url`, else the configuration's operations listener, else the default.
    private func resolveTarget(environment: [String: String]) throws -> HealthTarget {
        if url != nil, config != nil {
            throw fail("Give --url or --config, not both.", code: ExitStatus.invalidInput)
        }
        if url != nil, live {
            throw fail("Give --url with the path to ask, or --live, not both.", code: ExitStatus.invalidInput)
        }
        let path = live ? "/healthz" : "/readyz"
        if let url {
            guard let target = HealthTarget(url: url) else {
                throw fail("--url \(url) is not an http URL like \(HealthTarget.defaultURL).", code: ExitStatus.invalidInput)
            }
            return target
        }
        guard let file = ConfigOptions.path(config, environment: environment) else {
            return HealthTarget(host: "127.0.0.1", port: 9464, path: path)
        }
        let pipeline: PipelineConfig
        do {
            pipeline = try PipelineConfigLoader.load(path: file, environment: environment)
        } catch {
            throw fail(error.description, code: ExitStatus.invalidInput)
        }
        guard let target = HealthTarget(operations: pipeline.operations, path: path) else {
            throw fail("operations.listen in \(file) has port 0 (the system picks one at start), so health cannot know it; give --url.",
                       code: ExitStatus.invalidInput)
        }
        return target
    }
}

/// Where `health` asks: host, port and path (`/readyz`, or `/healthz` for `--live`), and the URL as shown to people.
struct HealthTarget: Equatable {
    static let defaultURL = "http://127.0.0.1:9464/readyz"

    var host: String
    var port: Int
    var path: String

    /// `host:port`, with brackets around an IPv6 host (the `Host` header).
    var authority: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// `http://host:port/path`, as shown to people.
    var url: String { "http://\(authority)\(path)" }

    init(host: String, port: Int, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    /// From a plain-http URL; the path defaults to `/readyz`, the port to 80.
    init?(url text: String) {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "http",
              var host = components.host, !host.isEmpty, components.user == nil else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 80
        guard (1...65_535).contains(port) else { return nil }
        self.host = host
        self.port = port
        let path = components.percentEncodedPath.isEmpty ? "/readyz" : components.percentEncodedPath
        self.path = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
    }

    /// `path` on the operations listener of a pipeline; a wildcard address is asked on the
    /// loopback of its family. Nil for port 0, which only the running process knows.
    init?(operations: OperationsConfig, path: String) {
        guard operations.port != 0 else { return nil }
        switch operations.host {
        case "0.0.0.0": host = "127.0.0.1"
        case "::": host = "::1"
        default: host = operations.host
        }
        port = operations.port
        self.path = path
    }
}
