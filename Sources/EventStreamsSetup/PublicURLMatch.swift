import Foundation

/// Whether the URL Twilio calls (a sink's destination) is the forwarder's `public_url`. Twilio
/// signs exactly the URL it calls, and the receiver checks the signature against `public_url`,
/// so they must agree; spellings every Twilio signature validator accepts as the same (scheme
/// and host case, the scheme's default port written or not) count as equal. A pure function.
package enum PublicURLMatch {
    package static func matches(_ destination: String, publicURL: String) -> Bool {
        destination == publicURL || canonical(destination) == canonical(publicURL)
    }

    /// Lower-case scheme and host, no default port, the rest as written.
    static func canonical(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased() else { return nil }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        let port = components.port.flatMap { $0 == defaultPort ? nil : $0 }.map { ":\($0)" } ?? ""
        let user = components.percentEncodedUser.map { user in user + (components.percentEncodedPassword.map { ":" + $0 } ?? "") + "@" } ?? ""
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        return "\(scheme)://\(user)\(host)\(port)\(path)\(query)"
    }
}
