import Foundation

/// A real `nats-server` (Debian's package) with JetStream on 127.0.0.1 and an ephemeral port,
/// its store in a temporary directory; optionally one node of a loopback cluster.
package final class NATSServer: @unchecked Sendable {
    /// Whether the tests that need nats-server can run here.
    package static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    /// Whether the NATS tests run: always in CI (which installs nats-server), else when installed.
    package static var testsRun: Bool { available || ProcessInfo.processInfo.environment["CI"] != nil }
    static let binary = "/usr/sbin/nats-server"

    package let port: Int
    package let clusterPort: Int
    package let name: String
    let directory: String
    let routes: [Int]
    private var process: Process?

    package var url: String { "nats://127.0.0.1:\(port)" }

    /// A node; `routes` are the cluster ports of every node (its own included) for a cluster.
    package init(name: String = "n1", directory: String, port: Int? = nil, clusterPort: Int? = nil, routes: [Int] = []) throws {
        self.name = name
        self.directory = directory
        self.port = try port ?? SyslogNG.freePort(datagram: false)
        self.clusterPort = try clusterPort ?? SyslogNG.freePort(datagram: false)
        self.routes = routes
    }

    /// Starts the server and waits until it accepts connections.
    package func start() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = ["-a", "127.0.0.1", "-p", "\(port)", "-js", "-sd", directory + "/store", "-n", name]
        if !routes.isEmpty {
            arguments += ["--cluster_name", "siemtest", "--cluster", "nats://127.0.0.1:\(clusterPort)",
                          "--routes", routes.map { "nats://127.0.0.1:\($0)" }.joined(separator: ",")]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let log = directory + "/nats-server.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = process.standardError
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(20)
        while !Self.accepts(port) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                throw SyslogNG.Failure(description: "nats-server \(name) did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops the server (SIGKILL with `kill`, else SIGTERM) and waits for it to exit.
    package func stop(kill: Bool = false) async {
        guard let process, process.isRunning else { return }
        if kill { Foundation.kill(process.processIdentifier, SIGKILL) } else { process.terminate() }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        self.process = nil
    }

    deinit {
        if let process, process.isRunning { process.terminate() }
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } == 0
        }
    }
}
