#if canImport(Glibc)
import Glibc
#endif

/// Finds a TCP port on 127.0.0.1 that is free right now (bind to port 0, read it, close), so
/// `demo` can tell the simulator where to post webhooks before the forwarder starts.
enum FreePort {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "Could not find a free TCP port on 127.0.0.1 for the demo forwarder." }
    }

    static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Unavailable() }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
