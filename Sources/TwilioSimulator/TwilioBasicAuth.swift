import Foundation

/// The credentials Twilio's REST APIs accept here: Basic auth with the account sid or any
/// `SK…` API key as user and the auth token as password (compared in constant time).
struct TwilioBasicAuth: Sendable {
    var accountSid: String
    var authToken: String

    /// Whether an `Authorization` header carries accepted credentials.
    func accepts(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingSpaces()),
              let text = String(data: decoded, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return false }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        let userAccepted = user == accountSid || (user.hasPrefix("SK") && Sid128(parsing: user, prefix: "SK") != nil)
        return userAccepted && Self.constantTimeEquals(password, authToken)
    }

    private static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
