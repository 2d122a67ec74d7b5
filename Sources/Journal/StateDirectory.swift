#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The files of `state.dir` and their modes, which never depend on the process's umask: the
/// directory is 0700 and every file in it (the journal and SQLite's `-wal` and `-shm` beside it,
/// which SQLite creates with the journal's mode) 0600, since the journal holds every event's payload.
package enum StateDirectory {
    package static let journalName = "journal.sqlite"
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// The journal's path in `directory`.
    package static func journalPath(in directory: String) -> String {
        (directory as NSString).appendingPathComponent(journalName)
    }

    /// Creates `directory` (0700, with missing parents) and an empty journal file (0600) when
    /// they do not exist, and brings the modes of an existing journal and its companions back to
    /// 0600. A directory that exists keeps its mode (it may be a mounted volume).
    package static func prepare(_ directory: String) throws(JournalError) {
        let path = journalPath(in: directory)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
            } catch {
                throw JournalError(operation: "create its directory", path: path, underlying: error.localizedDescription)
            }
            // The umask may have taken bits away from the mode asked for; set it exactly.
            guard chmod(directory, directoryMode) == 0 else {
                throw JournalError(operation: "set the mode of its directory", path: path, underlying: String(cString: strerror(errno)))
            }
        } else if !isDirectory.boolValue {
            throw JournalError(operation: "be opened", path: path, underlying: "state.dir \(directory) is a file, not a directory")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        guard fd >= 0 else {
            throw JournalError(operation: "be created", path: path, underlying: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        guard fchmod(fd, fileMode) == 0 else {
            throw JournalError(operation: "set its mode to 0600", path: path, underlying: String(cString: strerror(errno)))
        }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            _ = chmod(path + suffix, fileMode)
        }
    }

    /// Creates a directory inside `state.dir` (for replay jobs and the like) with mode 0700.
    package static func makePrivateDirectory(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path) { return }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        _ = chmod(path, directoryMode)
    }
}
