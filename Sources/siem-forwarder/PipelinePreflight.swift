#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ForwarderCore
import Foundation
import Outputs

/// The checks `validate` adds to the pipeline file's own, about the machine it runs on: TLS files
/// are PEM that loads (not only readable), and `state.dir` and every file output's directory exist
/// or can be created, and are writable, by this user.
enum PipelinePreflight {
    /// Every problem, located by file and key (the pipeline file itself was valid).
    static func problems(_ config: PipelineConfig, file: String) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func report(_ key: String, _ message: String) {
            problems.append(ConfigProblem(file: file, line: 0, column: 0, key: key, message: message))
        }
        if let problem = directoryProblem(config.state.dir) {
            report("state.dir", problem)
        }
        for (index, output) in config.outputs.enumerated() {
            let key = "outputs[\(index)].transport"
            switch output.transport {
            case .file(let transport):
                if let problem = directoryProblem(staticDirectory(of: transport.path)) {
                    report(key + ".path", problem)
                }
            case .tls(let transport):
                for problem in StreamPreflight.tlsFileProblems(transport) {
                    report(key + "." + problem.key, problem.message)
                }
            case .udp, .tcp, .nats:
                break
            }
        }
        return problems
    }

    /// The directory part of a file output's path template before its first `{placeholder}`:
    /// `/var/log/twilio` for `/var/log/twilio/{yyyy}/twilio-{seq}.ndjson.gz`.
    static func staticDirectory(of template: String) -> String {
        var components = template.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        if let placeholder = components.firstIndex(where: { $0.contains("{") }) {
            components = components[..<placeholder]
        }
        let directory = components.joined(separator: "/")
        if directory.isEmpty { return template.hasPrefix("/") ? "/" : "." }
        return directory
    }

    /// Why `directory` cannot be used by this user: it, or the nearest ancestor that exists (for a
    /// directory still to be created), is not a directory or not writable. Nil when it can.
    static func directoryProblem(_ directory: String) -> String? {
        var existing = directory
        var info = stat()
        while stat(existing, &info) != 0 {
            let failure = errno
            let parent = (existing as NSString).deletingLastPathComponent
            let next = parent.isEmpty ? "." : parent
            guard failure == ENOENT || failure == ENOTDIR, next != existing else {
                return "cannot look at \(quoted(existing)): \(String(cString: strerror(failure)))"
            }
            existing = next
        }
        let creating = existing != directory
        guard info.st_mode & S_IFMT == S_IFDIR else {
            return creating
                ? "\(quoted(directory)) cannot be created: \(quoted(existing)) is a file, not a directory"
                : "\(quoted(directory)) is a file, not a directory"
        }
        guard access(existing, W_OK | X_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            let user = "uid \(getuid()), gid \(getgid())"
            return creating
                ? "\(quoted(directory)) cannot be created: \(quoted(existing)) is not writable by this user (\(user)): \(reason)"
                : "\(quoted(directory)) is not writable by this user (\(user)): \(reason); give it to this user or its group"
        }
        return nil
    }

    private static func quoted(_ path: String) -> String { "\"\(path)\"" }
}
