import Crypto
import ForwarderCore
import Foundation
import NIOCore

/// What the route reads from a delivery's request head before deciding anything.
struct DeliveryHead: Sendable {
    var remoteAddress: SocketAddress?
    var contentType: String?
    var contentLength: String?
    var authorization: String?
    var signature: String?
    /// The request target after `?`, exactly as received.
    var rawQuery: String?
}

/// The receiver's access rules as a pure value built once from the configuration: given a
/// delivery's head (and later its body) it says which rejection applies, in the contract's order.
struct WebhookPolicy: Sendable {
    let maxBodyBytes: Int
    /// Client address ranges allowed to post; empty allows every address. Every entry is a range
    /// (the configuration cannot hold one that is not), so the list needs no check of its own here.
    let allowBlocks: [CIDRBlock]
    /// `user:pass` bytes a Basic `Authorization` must decode to, when configured.
    let basicCredentials: [UInt8]?
    let verifiesSignature: Bool
    let signingKey: SymmetricKey?
    let publicURL: String?

    init(config: EventStreamsSourceConfig) {
        maxBodyBytes = config.maxBodyBytes
        allowBlocks = config.allowCIDRs
        basicCredentials = config.basicAuth.map { Array("\($0.username):\($0.password)".utf8) }
        verifiesSignature = !config.insecureSkipSignature
        signingKey = config.authToken.map { SymmetricKey(data: Data($0.utf8)) }
        publicURL = config.publicURL
    }

    /// Checks that need no body, in order: address, content type, declared length, Basic auth,
    /// signature, presence of `bodySHA256`.
    func checkHead(_ head: DeliveryHead) -> WebhookRejection? {
        if !allowBlocks.isEmpty, !(head.remoteAddress.map { address in allowBlocks.contains { $0.contains(address) } } ?? false) {
            return .forbiddenAddress(head.remoteAddress?.ipAddress ?? "(unknown)")
        }
        guard Self.isAcceptedContentType(head.contentType) else { return .unsupportedMediaType }
        if let length = head.contentLength, let declared = Int(length.trimmingCharacters(in: .whitespaces)),
           declared > maxBodyBytes {
            return .tooLarge(maxBodyBytes)
        }
        if let basicCredentials, !Self.matchesBasic(head.authorization, credentials: basicCredentials) {
            return .basicAuth
        }
        guard verifiesSignature else { return nil }
        guard let signingKey, let publicURL else { return .noToken }
        guard let signature = head.signature, !signature.isEmpty else { return .signatureMissing }
        let url = TwilioRequestValidator.signedURL(publicURL: publicURL, rawQuery: head.rawQuery)
        guard TwilioRequestValidator.isValidSignature(signature, key: signingKey, url: url) else {
            return .signatureInvalid
        }
        guard TwilioRequestValidator.bodySHA256Parameter(inQuery: head.rawQuery) != nil else {
            return .bodyHashMissing
        }
        return nil
    }

    /// The body's hash against the signed `bodySHA256` parameter.
    func checkBody(_ body: [UInt8], head: DeliveryHead) -> WebhookRejection? {
        guard verifiesSignature else { return nil }
        guard let expected = TwilioRequestValidator.bodySHA256Parameter(inQuery: head.rawQuery) else {
            return .bodyHashMissing
        }
        return TwilioRequestValidator.isValidBodyHash(body, expected: expected) ? nil : .bodyHashMismatch
    }

    /// `application/json`, `application/cloudevents+json` or `application/cloudevents-batch+json`,
    /// with any parameters (`; charset=utf-8`).
    static func isAcceptedContentType(_ value: String?) -> Bool {
        guard let value else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json" || mediaType == "application/cloudevents+json"
            || mediaType == "application/cloudevents-batch+json"
    }

    /// Whether an `Authorization` header is `Basic` with exactly the configured credentials.
    static func matchesBasic(_ header: String?, credentials: [UInt8]) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)) else { return false }
        return ConstantTime.equal([UInt8](decoded), credentials)
    }
}
