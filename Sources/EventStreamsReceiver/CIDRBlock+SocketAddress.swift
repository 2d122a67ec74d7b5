import ForwarderCore
import NIOCore

extension CIDRBlock {
    /// Whether a client's socket address lies in this range (false for Unix-domain sockets).
    package func contains(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return false }
        return contains(ip)
    }
}
