import Crypto
import Foundation

/// Twilio's request signing for webhooks with JSON bodies (Event Streams): the body's SHA-256
/// travels in the `bodySHA256` query parameter, and `X-Twilio-Signature` is
/// `base64(HMAC-SHA1(key: auth token, message: the full URL as requested))`.
package enum TwilioSignature {
    /// `X-Twilio-Signature` for a request to `url` (which already carries `bodySHA256`).
    package static func sign(url: String, authToken: String) -> String {
        let key = SymmetricKey(data: Array(authToken.utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(url.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// Lowercase hex SHA-256 of the raw body, the value of `bodySHA256`.
    package static func bodySHA256Hex(_ body: [UInt8]) -> String {
        hexString(SHA256.hash(data: body))
    }

    /// `url` with `bodySHA256=<hex>` appended as a query parameter (`?` or `&` as needed).
    package static func urlWithBodyHash(_ url: String, body: [UInt8]) -> String {
        url + (url.contains("?") ? "&" : "?") + "bodySHA256=" + bodySHA256Hex(body)
    }
}
