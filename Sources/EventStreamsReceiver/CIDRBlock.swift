#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// An IPv4 or IPv6 address range such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is a
/// range of one), as `allow_cidrs` lists them. IPv4 clients seen through an IPv6 listener
/// (`::ffff:a.b.c.d`) match IPv4 ranges.
public struct CIDRBlock: Sendable, Hashable, CustomStringConvertible {
    /// The network address, 4 or 16 bytes, with the bits past the prefix cleared.
    public let network: [UInt8]
    /// How many leading bits of `network` are fixed: 0...32 or 0...128.
    public let prefixLength: Int

    /// Parses `address` or `address/prefix`; nil for anything else (host names, zones, bad prefixes).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.addressBytes(String(parts[0])) else { return nil }
        let maxPrefix = address.count * 8
        var prefix = maxPrefix
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let bits = Int(digits), bits <= maxPrefix else { return nil }
            prefix = bits
        }
        prefixLength = prefix
        network = Self.masked(address, prefix: prefix)
    }

    public var description: String {
        let family = network.count == 4 ? AF_INET : AF_INET6
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = network.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) } != nil
        let address = ok ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        return "\(address)/\(prefixLength)"
    }

    /// Whether a client's socket address lies in this range (false for Unix-domain sockets).
    public func contains(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return false }
        return contains(ip)
    }

    /// Whether a textual IPv4 or IPv6 address lies in this range (false when it is not an address).
    public func contains(_ address: String) -> Bool {
        guard var bytes = Self.addressBytes(address) else { return false }
        if network.count == 4, bytes.count == 16, Self.isIPv4Mapped(bytes) {
            bytes = Array(bytes[12...])
        }
        guard bytes.count == network.count else { return false }
        return Self.masked(bytes, prefix: prefixLength) == network
    }

    /// The 4 or 16 bytes of a textual address, via `inet_pton`.
    static func addressBytes(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            var bytes = [UInt8](repeating: 0, count: 16)
            return inet_pton(AF_INET6, text, &bytes) == 1 ? bytes : nil
        }
        var bytes = [UInt8](repeating: 0, count: 4)
        return inet_pton(AF_INET, text, &bytes) == 1 ? bytes : nil
    }

    private static func isIPv4Mapped(_ bytes: [UInt8]) -> Bool {
        bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
    }

    private static func masked(_ bytes: [UInt8], prefix: Int) -> [UInt8] {
        var result = bytes
        for index in result.indices {
            let bitsHere = min(8, max(0, prefix - index * 8))
            result[index] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return result
    }
}
