#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CPosix
import Foundation
import Journal

/// A file I/O failure naming the path and the operating system's reason.
package struct FileIOError: Error, CustomStringConvertible, Sendable {
    package var operation: String
    package var path: String
    package var errno: Int32

    package var description: String {
        "Could not \(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// A thin owner of a POSIX file descriptor: complete writes, fsync, truncate. Durability needs
/// these exact calls, which Foundation's FileHandle does not promise.
package final class PosixFile {
    package let path: String
    private var fd: Int32

    /// Opens for appending, creating the file and missing parent directories with `permissions`
    /// (exactly, whatever the umask). An existing file keeps its mode and owner.
    package init(appendingTo path: String, create: Bool = true, permissions: FilePermissions = FilePermissions()) throws(FileIOError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, create {
            try permissions.createDirectories(directory)
        }
        let flags = O_WRONLY | O_APPEND | O_CLOEXEC
        fd = open(path, flags)
        if fd < 0, errno == ENOENT, create {
            fd = open(path, flags | O_CREAT | O_EXCL, permissions.mode)
            if fd >= 0 {
                do throws(FileIOError) {
                    try permissions.apply(toDescriptor: fd, path: path)
                } catch {
                    _ = Glibc.close(fd)
                    throw error
                }
            } else if errno == EEXIST {
                fd = open(path, flags)
            }
        }
        if fd < 0 { throw FileIOError(operation: "open", path: path, errno: errno) }
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Writes every byte, retrying short writes and EINTR.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(operation: "write to", path: path, errno: errno)
            }
            offset += n
        }
    }

    package func write(_ bytes: [UInt8]) throws(FileIOError) {
        var failure: FileIOError?
        bytes.withUnsafeBytes { buffer in
            do throws(FileIOError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes the file's data to stable storage.
    package func sync() throws(FileIOError) {
        if fsync(fd) != 0 { throw FileIOError(operation: "fsync", path: path, errno: errno) }
    }

    /// The current size of the file.
    package func size() throws(FileIOError) -> Int64 {
        var st = stat()
        if fstat(fd, &st) != 0 { throw FileIOError(operation: "stat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Which file this is (device, inode, birth time).
    package func identity() throws(FileIOError) -> FileIdentity {
        try Self.identity(ofDescriptor: fd, path: path)
    }

    /// The identity of the file at `path` now, or nil when there is none.
    package static func identity(of path: String) -> FileIdentity? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        return try? identity(ofDescriptor: fd, path: path)
    }

    private static func identity(ofDescriptor fd: Int32, path: String) throws(FileIOError) -> FileIdentity {
        var st = stat()
        if fstat(fd, &st) != 0 { throw FileIOError(operation: "stat", path: path, errno: errno) }
        var birth: Int64 = 0
        let known = cposix_birth_time(fd, &birth) == 0
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), birth: known ? birth : nil)
    }

    /// Takes an exclusive advisory lock (`flock`) without waiting; false when another open file
    /// holds one. Released when the file is closed.
    package func tryLockExclusively() throws(FileIOError) -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw FileIOError(operation: "lock", path: path, errno: errno)
    }

    /// Cuts the file back to `length` bytes.
    package func truncate(to length: Int64) throws(FileIOError) {
        if ftruncate(fd, off_t(length)) != 0 { throw FileIOError(operation: "truncate", path: path, errno: errno) }
    }

    package func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Renames atomically and makes the rename durable by syncing the directory.
    package static func rename(_ from: String, to: String) throws(FileIOError) {
        if Glibc.rename(from, to) != 0 { throw FileIOError(operation: "rename \(from) to", path: to, errno: errno) }
        try syncDirectory(of: to)
    }

    /// Fsyncs the directory holding `path`, so a create, rename or unlink in it survives a crash.
    package static func syncDirectory(of path: String) throws(FileIOError) {
        var directory = (path as NSString).deletingLastPathComponent
        if directory.isEmpty { directory = "." }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd < 0 { throw FileIOError(operation: "open directory", path: directory, errno: errno) }
        defer { _ = Glibc.close(dfd) }
        if fsync(dfd) != 0 { throw FileIOError(operation: "fsync directory", path: directory, errno: errno) }
    }

    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Removes a file; a file that is already gone is fine.
    package static func remove(_ path: String) throws(FileIOError) {
        if unlink(path) != 0, errno != ENOENT { throw FileIOError(operation: "remove", path: path, errno: errno) }
    }
}

/// The mode and group of the files (and directories) an output creates, set exactly rather than
/// left to the umask. Directories get the execute bit wherever the files are readable, so the
/// group that may read the files may also enter their directory.
package struct FilePermissions: Sendable, Equatable {
    package var mode: mode_t
    package var group: gid_t?

    package init(mode: UInt32 = 0o640, group: UInt32? = nil) {
        self.mode = mode_t(mode)
        self.group = group.map { gid_t($0) }
    }

    /// Owner rwx; group and others r-x where the files are readable for them.
    package var directoryMode: mode_t {
        0o700 | (mode & 0o040 != 0 ? 0o050 : 0) | (mode & 0o004 != 0 ? 0o005 : 0)
    }

    /// Sets the mode and group of a file just created.
    func apply(toDescriptor fd: Int32, path: String) throws(FileIOError) {
        if fchmod(fd, mode) != 0 { throw FileIOError(operation: "set the mode of", path: path, errno: errno) }
        if let group, fchown(fd, uid_t.max, group) != 0 {
            throw FileIOError(operation: "give group \(group) ownership of", path: path, errno: errno)
        }
    }

    /// Creates `directory` and its missing parents, each with `directoryMode` and the group.
    func createDirectories(_ directory: String) throws(FileIOError) {
        var missing: [String] = []
        var current = directory
        while !current.isEmpty, current != "/", !PosixFile.exists(current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for path in missing.reversed() {
            if mkdir(path, directoryMode) != 0 {
                if errno == EEXIST { continue }
                throw FileIOError(operation: "create directory", path: path, errno: errno)
            }
            if chmod(path, directoryMode) != 0 { throw FileIOError(operation: "set the mode of directory", path: path, errno: errno) }
            if let group, chown(path, uid_t.max, group) != 0 {
                throw FileIOError(operation: "give group \(group) ownership of directory", path: path, errno: errno)
            }
        }
    }
}
