/// Syntax checks for network addresses in the pipeline file: IPv4, IPv6, CIDR ranges and `host:port`.
enum ConfigAddressText {
    /// `a.b.c.d`, an IPv6 address, or either with `/prefix` (at most 32 or 128).
    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        let maxPrefix: Int
        if isIPv4(address) {
            maxPrefix = 32
        } else if isIPv6(address) {
            maxPrefix = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        let prefix = parts[1]
        guard !prefix.isEmpty, prefix.count <= 3, prefix.allSatisfy({ $0.isASCII && $0.isNumber }),
              let bits = Int(prefix) else { return false }
        return bits <= maxPrefix
    }

    /// Four decimal octets 0...255 without leading zeros.
    static func isIPv4(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { octet in
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(octet), value <= 255 else { return false }
            return octet == "0" || !octet.hasPrefix("0")
        }
    }

    /// Eight groups of 1-4 hex digits, at most one `::` standing for one or more zero groups, and an
    /// optional trailing IPv4 address counting as two groups. Zone identifiers (`%eth0`) are not accepted.
    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":") else { return false }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groupCount = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let groups = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, group) in groups.enumerated() {
                let isLast = halfIndex == halves.count - 1 && index == groups.count - 1
                if isLast, group.contains("."), isIPv4(String(group)) {
                    groupCount += 2
                } else if (1...4).contains(group.count), group.allSatisfy(\.isHexDigit), group.allSatisfy(\.isASCII) {
                    groupCount += 1
                } else {
                    return false
                }
            }
        }
        return halves.count == 2 ? groupCount <= 7 : groupCount == 8
    }

    /// `host:port` or `[ipv6]:port`: the host without brackets and the port 0...65535, or nil.
    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let afterClose = text[text.index(after: close)...]
            guard afterClose.hasPrefix(":"), isIPv6(String(host)) else { return nil }
            portText = afterClose.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), !portText.isEmpty, portText.count <= 5,
              portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), port <= 65_535 else {
            return nil
        }
        return (String(host), port)
    }
}
