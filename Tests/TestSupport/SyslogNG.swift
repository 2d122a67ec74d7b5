#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A syslog-ng 3.x receiver for tests, run as the current user in its own temp directory (no
/// capabilities, no /var): it listens on 127.0.0.1 and writes every message it parses as one
/// JSON object per line, which `messages()` reads back.
///
/// `start()` picks a free port the first time (trying another if syslog-ng cannot bind it) and
/// keeps it, so `stop()` then `start()` restarts the receiver on the same port. Readiness
/// is syslog-ng's own "starting up" log line (printed once every listener is bound) and, for
/// stream listeners, an accepted TCP connection; there are no fixed sleeps.
package final class SyslogNG: Sendable {
    /// What the receiver listens for.
    package enum Listener: Sendable {
        case udp
        /// Plain TCP; octet counting (RFC 6587 §3.4.1) when `octetCounting`, else LF-delimited.
        case tcp(octetCounting: Bool)
        /// Plain TCP carrying records that are not RFC 5424 (CEF behind a BSD syslog header):
        /// syslog-ng does not parse them, MESSAGE is the whole record.
        case tcpRaw(octetCounting: Bool)
        /// TLS (RFC 5425) with the given server certificate and key. Without `clientCA` it does
        /// not ask for a client certificate (`peer-verify(optional-untrusted)`); with it, it
        /// requires one signed by that CA (`peer-verify(required-trusted)`).
        case tls(octetCounting: Bool, certFile: String, keyFile: String, clientCA: String? = nil)

        package var isDatagram: Bool {
            if case .udp = self { return true }
            return false
        }
    }

    /// One message as syslog-ng parsed it.
    package struct Message: Sendable {
        package var host: String?
        package var program: String?
        package var msgid: String?
        package var message: String?
        package var pri: Int?
        package var facility: String?
        package var severity: String?
        /// RFC 5424 structured data: SD-ID → param name → value.
        package var structuredData: [String: [String: String]]
    }

    /// A start-up or shutdown failure, with syslog-ng's own log.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package static let binary = "/usr/sbin/syslog-ng"
    package static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    /// Interop tests run where syslog-ng is installed, and always under CI (`CI` set), where a
    /// missing syslog-ng must fail them rather than skip them silently.
    package static var interopTestsRun: Bool { isInstalled || ProcessInfo.processInfo.environment["CI"] != nil }

    package let listener: Listener
    package let directory: String
    package var outputPath: String { directory + "/messages.ndjson" }
    private var logPath: String { directory + "/syslog-ng.log" }
    private struct Running {
        var port: Int?
        var process: ChildProcess?
        var starts = 0
    }

    private let running = Mutex(Running())

    /// A receiver writing into `directory` (created if missing); `port` fixes the port instead of
    /// picking a free one.
    package init(_ listener: Listener, directory: String, port: Int? = nil) {
        self.listener = listener
        self.directory = directory
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        running.withLock { $0.port = port }
    }

    deinit {
        running.withLock { state in
            state.process?.killNow()
        }
    }

    /// The port syslog-ng listens on (known after the first `start()`, or given to `init`).
    package var port: Int {
        running.withLock { $0.port ?? 0 }
    }

    /// Starts syslog-ng and returns once it accepts messages.
    package func start(timeout: Duration = .seconds(20)) async throws {
        let fixed = running.withLock { $0.port }
        var lastFailure: Failure?
        // A new port when syslog-ng cannot bind the one picked; the same port again, a little
        // later, on a restart.
        for _ in 0..<10 {
            let port = try fixed ?? Self.freePort(datagram: listener.isDatagram)
            do {
                try await launch(port: port, timeout: timeout)
                running.withLock { $0.port = port }
                return
            } catch let failure as Failure {
                guard failure.description.contains("Address already in use") else { throw failure }
                lastFailure = failure
                if fixed != nil { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
        throw lastFailure ?? Failure(description: "syslog-ng did not start")
    }

    /// Sends SIGTERM and waits for syslog-ng to exit (it flushes its destinations first).
    package func stop(timeout: Duration = .seconds(15)) async throws {
        guard let process = running.withLock({ $0.process }) else { return }
        process.send(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.exitStatus() == nil {
            guard ContinuousClock.now < deadline else {
                process.killNow()
                throw Failure(description: "syslog-ng did not exit within \(timeout) of SIGTERM: \(log())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        running.withLock { $0.process = nil }
    }

    /// Kills syslog-ng without letting it shut down (a crash): what sits unread in its socket
    /// buffers is lost and its peers see a reset.
    package func kill() async throws {
        guard let process = running.withLock({ $0.process }) else { return }
        process.killNow()
        running.withLock { $0.process = nil }
    }

    /// Sends `signal` (SIGSTOP, SIGCONT) to the running syslog-ng.
    package func send(_ signal: Int32) {
        running.withLock { $0.process }?.send(signal)
    }

    /// Every message written so far, in file order.
    package func messages() throws -> [Message] {
        guard let data = FileManager.default.contents(atPath: outputPath) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw Failure(description: "syslog-ng wrote a line that is not a JSON object: \(String(decoding: line, as: UTF8.self))")
            }
            var sd: [String: [String: String]] = [:]
            for (id, params) in object["_SDATA"] as? [String: Any] ?? [:] {
                sd[id] = (params as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            }
            return Message(
                host: object["HOST"] as? String, program: object["PROGRAM"] as? String, msgid: object["MSGID"] as? String,
                message: object["MESSAGE"] as? String, pri: object["PRI"] as? Int, facility: object["FACILITY"] as? String,
                severity: object["SEVERITY"] as? String, structuredData: sd
            )
        }
    }

    /// Polls the output file until `count` messages are there or `timeout` passes; returns
    /// what is there.
    package func waitForMessages(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Message] {
        try await waitForMessages(timeout: timeout) { $0.count >= count }
    }

    /// Polls the output file until the messages satisfy `done` or `timeout` passes; returns what
    /// is there. Use it where duplicates are possible (at-least-once), so a count is not enough.
    package func waitForMessages(timeout: Duration = .seconds(20), until done: ([Message]) -> Bool) async throws -> [Message] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = try messages()
            if done(found) || ContinuousClock.now >= deadline { return found }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// Polls until the messages' SD `id` parameters (in `sdID`) cover `ids`, or `timeout` passes.
    package func waitForMessages(covering ids: Set<String>, sdID: String = "twilio@32473", timeout: Duration = .seconds(30)) async throws -> [Message] {
        try await waitForMessages(timeout: timeout) { messages in
            ids.isSubset(of: Set(messages.compactMap { $0.structuredData[sdID]?["id"] }))
        }
    }

    /// syslog-ng's own log (stderr), for failure messages.
    package func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    // MARK: Start-up

    private func launch(port: Int, timeout: Duration) async throws {
        let config = directory + "/syslog-ng.conf"
        try configuration(port: port).write(toFile: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess(Self.binary, arguments: [
            "-F", "-e", "--no-caps", "-f", config, "-R", directory + "/syslog-ng.persist",
            "-p", directory + "/syslog-ng.pid", "-c", directory + "/syslog-ng.ctl",
        ], output: logPath)
        running.withLock { $0.process = process }
        let starts = running.withLock { state in
            state.starts += 1
            return state.starts
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = self.log()
            if text.contains("syslog-ng starting up") {
                if listener.isDatagram || Self.accepts(port: port) { return }
            }
            if let status = process.exitStatus() {
                running.withLock { $0.process = nil }
                throw Failure(description: "syslog-ng (start \(starts), port \(port)) exited with status \(status): \(text)")
            }
            guard ContinuousClock.now < deadline else {
                process.killNow()
                throw Failure(description: "syslog-ng (port \(port)) was not ready within \(timeout): \(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func configuration(port: Int) -> String {
        let source: String
        switch listener {
        case .udp:
            source = #"network(ip("127.0.0.1") port(\#(port)) transport("udp") flags(syslog-protocol) so-rcvbuf(4194304))"#
        case .tcp(let octetCounting):
            source = #"network(ip("127.0.0.1") port(\#(port)) transport("\#(octetCounting ? "framed" : "tcp")") flags(syslog-protocol))"#
        case .tcpRaw(let octetCounting):
            source = #"network(ip("127.0.0.1") port(\#(port)) transport("\#(octetCounting ? "framed" : "tcp")") flags(no-parse))"#
        case .tls(let octetCounting, let certFile, let keyFile, let clientCA):
            let verify = clientCA.map { #"peer-verify(required-trusted) ca-file("\#($0)")"# } ?? "peer-verify(optional-untrusted)"
            let tls = #"tls(key-file("\#(keyFile)") cert-file("\#(certFile)") \#(verify))"#
            // network(transport("tls")) reads LF-delimited messages; syslog(transport("tls")) reads
            // RFC 6587 octet-counted ones and parses RFC 5424 by itself.
            source = octetCounting
                ? #"syslog(ip("127.0.0.1") port(\#(port)) transport("tls") \#(tls))"#
                : #"network(ip("127.0.0.1") port(\#(port)) transport("tls") flags(syslog-protocol) \#(tls))"#
        }
        let template = #"$(format-json --scope rfc5424 --scope all-nv-pairs --exclude DATE --key ISODATE --pair PRI=int($PRI) --pair SEVERITY=$SEVERITY)\n"#
        return """
            @version: 3.38
            options { keep-hostname(yes); chain-hostnames(no); use-dns(no); dns-cache(no); stats-freq(0); flush-lines(1); log-msg-size(65536); };
            source s_test { \(source); };
            destination d_test { file("\(outputPath)" template("\(template)")); };
            log { source(s_test); destination(d_test); };

            """
    }

    /// A port that was free a moment ago (bound, then closed), chosen below the kernel's
    /// ephemeral range: a port from bind(0) is an ephemeral one, and once its listener is
    /// stopped any outgoing connection of a test running in parallel may take it as its local
    /// port, and the restart on the same port then fails with EADDRINUSE.
    package static func freePort(datagram: Bool) throws -> Int {
        let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32768
        let range = 10_000..<max(10_001, ephemeralStart)
        for _ in 0..<200 {
            let port = Int.random(in: range)
            if try canBind(port: port, datagram: datagram) { return port }
        }
        throw Failure(description: "no free port found in \(range)")
    }

    private static func canBind(port: Int, datagram: Bool) throws -> Bool {
        #if canImport(Glibc)
        let kind = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        #else
        let kind = datagram ? SOCK_DGRAM : SOCK_STREAM
        #endif
        let fd = socket(AF_INET, kind, 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: port)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }

    /// Whether a TCP connection to 127.0.0.1:port is accepted (closed right away).
    package static func accepts(port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A child process started with `posix_spawn` with an empty signal mask, default signal
/// handlers and no inherited descriptors but stdin, stdout and stderr. Foundation's `Process`
/// passes on the test runner's blocked signals, and a syslog-ng started that way never sees
/// SIGTERM.
final class ChildProcess: Sendable {
    let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    /// Starts `path` with `arguments`, stdin from /dev/null, stdout and stderr into `output`.
    init(_ path: String, arguments: [String], output: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The test process's sockets (NIO's listeners among them) are not all close-on-exec; a
        // syslog-ng that inherited another test's listener would keep its port bound.
        // syslog-ng that inherited another test's listener would keep its port bound. Glibc
        // 2.34+ has posix_spawn_file_actions_addclosefrom_np, which its Swift module does not
        // show; older systems get each open descriptor closed by name.
        if let closeFrom = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        } else {
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
            for fd in open where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw SyslogNG.Failure(description: "posix_spawn \(path) failed: \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// The exit status once the process has exited (it is reaped then), else nil.
    func exitStatus() -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            status = raw
            return raw
        }
    }

    func send(_ signal: Int32) {
        if exitStatus() == nil { _ = kill(pid, signal) }
    }

    /// SIGKILL, then reaps the process.
    func killNow() {
        guard exitStatus() == nil else { return }
        _ = kill(pid, SIGKILL)
        status.withLock { status in
            var raw: Int32 = 0
            if status == nil, waitpid(pid, &raw, 0) == pid { status = raw }
        }
    }
}
