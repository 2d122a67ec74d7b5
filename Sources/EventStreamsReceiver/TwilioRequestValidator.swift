import Crypto
import ForwarderCore
import Foundation

/// Checks `X-Twilio-Signature` and the `bodySHA256` query parameter the way Twilio's own helper
/// libraries do, as pure functions (no I/O, no clock).
///
/// Twilio signs the URL it called: `base64(HMAC-SHA1(key: auth token, message: URL))`. For JSON
/// bodies that URL carries `bodySHA256=<lowercase hex SHA-256 of the body>`, so the signature
/// covers the body through its hash. Behind a proxy the URL is not the one the forwarder sees, so
/// it is rebuilt from the configured `public_url` and the query exactly as received.
package enum TwilioRequestValidator {
    /// The URL Twilio called: `publicURL` without any query or fragment it has, then `?` and the
    /// raw query of the request target, byte for byte (never decoded or re-encoded).
    package static func signedURL(publicURL: String, rawQuery: String?) -> String {
        var base = Substring(publicURL)
        if let cut = base.firstIndex(where: { $0 == "?" || $0 == "#" }) { base = base[..<cut] }
        guard let rawQuery else { return String(base) }
        return base + "?" + rawQuery
    }

    /// The raw query of a request target (`/path?a=1&b=2` → `a=1&b=2`), nil when it has none.
    package static func rawQuery(ofTarget target: String) -> String? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        return String(target[target.index(after: mark)...])
    }

    /// Every spelling of `url` a Twilio validator accepts: as is, with the scheme's default port
    /// added when it has no port, with its port removed when it has one, and each of these with any
    /// `user:pass@` removed.
    package static func candidateURLs(for url: String) -> [String] {
        var result: [String] = []
        func add(_ candidate: String) {
            if !result.contains(candidate) { result.append(candidate) }
        }
        for variant in [url, withoutUserInfo(url)] {
            add(variant)
            if let other = togglingDefaultPort(variant) { add(other) }
        }
        return result
    }

    /// `base64(HMAC-SHA1(key: authToken, message: url))`, what Twilio puts in `X-Twilio-Signature`.
    package static func signature(authToken: String, url: String) -> String {
        Data(mac(key: SymmetricKey(data: Data(authToken.utf8)), url: url)).base64EncodedString()
    }

    /// Whether `header` is the signature of any accepted spelling of `url`, compared in constant time.
    package static func isValidSignature(_ header: String, authToken: String, url: String) -> Bool {
        isValidSignature(header, key: SymmetricKey(data: Data(authToken.utf8)), url: url)
    }

    /// As `isValidSignature(_:authToken:url:)` with the key already made (the receiver keeps one).
    package static func isValidSignature(_ header: String, key: SymmetricKey, url: String) -> Bool {
        let text = header.trimmingCharacters(in: .whitespaces)
        // Only the canonical encoding, as Twilio's validators compare the base64 text: the re-encoding
        // depends on the header alone, so this comparison reveals nothing about the expected MAC.
        guard let given = Data(base64Encoded: text), given.count == Insecure.SHA1.byteCount,
              given.base64EncodedString() == text else { return false }
        let givenBytes = [UInt8](given)
        var matched = false
        for candidate in candidateURLs(for: url) {
            // Every candidate is checked, so the time taken does not depend on which one matched.
            matched = ConstantTime.equal(mac(key: key, url: candidate), givenBytes) || matched
        }
        return matched
    }

    /// The first `bodySHA256` parameter of a raw query, as sent.
    package static func bodySHA256Parameter(inQuery rawQuery: String?) -> String? {
        guard let rawQuery else { return nil }
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == "bodySHA256" { return parts.count == 2 ? String(parts[1]) : "" }
        }
        return nil
    }

    /// Lowercase hex SHA-256 of `body`.
    package static func bodySHA256Hex(_ body: [UInt8]) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        let digits = Array("0123456789abcdef".utf8)
        for byte in SHA256.hash(data: body) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Whether `expected` (the `bodySHA256` parameter) is the lowercase hex SHA-256 of `body`,
    /// compared in constant time.
    package static func isValidBodyHash(_ body: [UInt8], expected: String) -> Bool {
        ConstantTime.equal(bodySHA256Hex(body), expected)
    }

    // MARK: URL spellings

    private static func mac(key: SymmetricKey, url: String) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: Data(url.utf8), using: key))
    }

    /// The scheme (lowercased), and the authority's range in `url`, or nil when there is no `//`.
    private static func authority(of url: String) -> (scheme: String, range: Range<String.Index>)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let start = schemeEnd.upperBound
        let end = url[start...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        return (url[..<schemeEnd.lowerBound].lowercased(), start..<end)
    }

    private static func withoutUserInfo(_ url: String) -> String {
        guard let (_, range) = authority(of: url), let at = url[range].lastIndex(of: "@") else { return url }
        return String(url[..<range.lowerBound]) + url[url.index(after: at)...]
    }

    /// The URL with its port removed when it has one, or the scheme's default port added when not.
    private static func togglingDefaultPort(_ url: String) -> String? {
        guard let (scheme, range) = authority(of: url) else { return nil }
        let authority = url[range]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPort = authority[hostStart...]
        // A colon after the host (and after an IPv6 literal's closing bracket) starts the port.
        let searchFrom = hostPort.lastIndex(of: "]") ?? hostPort.startIndex
        if let colon = hostPort[searchFrom...].firstIndex(of: ":") {
            return String(url[..<colon]) + url[range.upperBound...]
        }
        let port: String
        switch scheme {
        case "https": port = ":443"
        case "http": port = ":80"
        default: return nil
        }
        return String(url[..<range.upperBound]) + port + url[range.upperBound...]
    }
}
