/// An IPv4 or IPv6 address range such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is a
/// range of one), as `allow_cidrs` lists them. IPv4 clients seen through an IPv6 listener
/// (`::ffff:a.b.c.d`) match IPv4 ranges.
package struct CIDRBlock: Sendable, Hashable, CustomStringConvertible {
    /// The network address, with the bits past the prefix cleared.
    package let network: IPAddress
    /// How many leading bits of `network` are fixed: 0...32 or 0...128.
    package let prefixLength: Int

    /// Parses `address` or `address/prefix` (1 to 3 digits, at most the address's bit count); nil for
    /// anything else (host names, zones, bad prefixes).
    package init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        var prefix = address.family.bitCount
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let bits = Int(digits), bits <= prefix else { return nil }
            prefix = bits
        }
        prefixLength = prefix
        network = Self.masked(address, prefix: prefix)
    }

    package var description: String {
        "\(network)/\(prefixLength)"
    }

    /// Whether `address` lies in this range.
    package func contains(_ address: IPAddress) -> Bool {
        let candidate = network.family == .ipv4 ? address.mappedIPv4 ?? address : address
        guard candidate.family == network.family else { return false }
        return Self.masked(candidate, prefix: prefixLength) == network
    }

    /// Whether a textual IPv4 or IPv6 address lies in this range (false when it is not an address).
    package func contains(_ address: String) -> Bool {
        IPAddress(address).map(contains) ?? false
    }

    private static func masked(_ address: IPAddress, prefix: Int) -> IPAddress {
        let hostBits = address.family.bitCount - prefix
        let mask: UInt128 = hostBits >= 128 ? 0 : ~0 << hostBits
        return IPAddress(family: address.family, bits: address.bits & mask)
    }
}
