#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real, small file system (tmpfs) mounted for one test, for storage faults: it can be filled
/// to the last byte, freed again, and remounted read-only and back. Mounting needs root; `mount`
/// returns nil otherwise, and the test says it skipped.
package final class SmallFileSystem: @unchecked Sendable {
    package let path: String
    private let holder: TestDirectory
    private var mounted = true
    private let fillerPath: String

    /// Mounts a tmpfs of `bytes` (rounded up to pages), or nil when this process may not mount.
    package static func mount(bytes: Int, _ name: String = #function) throws -> SmallFileSystem? {
        guard geteuid() == 0 else { return nil }
        let holder = TestDirectory(name)
        let path = holder.path + "/fs"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try run("/bin/mount", "-t", "tmpfs", "-o", "size=\(bytes),mode=0755", "tmpfs", path)
        return SmallFileSystem(path: path, holder: holder)
    }

    private init(path: String, holder: TestDirectory) {
        self.path = path
        self.holder = holder
        fillerPath = path + "/.filler"
    }

    deinit {
        if mounted { try? Self.run("/bin/umount", "-l", path) }
    }

    /// Bytes still free for an unprivileged write.
    package var freeBytes: Int64 {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return 0 }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }

    /// Writes a filler file until the file system has no byte left (ENOSPC).
    package func fill() throws {
        let fd = open(fillerPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SmallFileSystemError("open \(fillerPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 4096)
        while true {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ENOSPC { break }
                throw SmallFileSystemError("fill \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
        }
        // Single bytes too, so not even a partial page is left.
        var one: UInt8 = 0x5A
        while write(fd, &one, 1) == 1 {}
    }

    /// Removes the filler: the space is free again.
    package func free() {
        unlink(fillerPath)
    }

    /// Remounts read-only (`true`) or read-write (`false`); files stay as they are.
    package func remount(readOnly: Bool) throws {
        try Self.run("/bin/mount", "-o", readOnly ? "remount,ro" : "remount,rw", path)
    }

    /// Unmounts now (also done when the value goes away).
    package func unmount() throws {
        guard mounted else { return }
        try Self.run("/bin/umount", path)
        mounted = false
    }

    private static func run(_ tool: String, _ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw SmallFileSystemError("\(tool) \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}

/// A small file system could not be mounted or changed.
package struct SmallFileSystemError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
    package init(description: String) { self.description = description }
}
