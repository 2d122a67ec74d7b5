@testable import EventStreamsReceiver
import ForwarderCore
import HTTPTypes
import NIOCore
import Testing

@Suite("Access rules and batch accounting, as pure values")
struct WebhookPolicyTests {
    static let config = EventStreamsSourceConfig(
        publicURL: "https://forwarder.example.com/hook", authToken: "token", maxBodyBytes: 100,
        basicAuth: BasicAuthConfig(username: "u", password: "p"), allowCIDRs: [CIDRBlock("127.0.0.0/8")!])

    static func head(address: String = "127.0.0.1", contentType: String? = "application/json", length: String? = "10",
                     authorization: String? = "Basic dTpw", query: String? = "bodySHA256=ab",
                     signature: String? = nil) throws -> DeliveryHead {
        let signature = signature ?? ReceiverHarness.sign("https://forwarder.example.com/hook?" + (query ?? ""), token: "token")
        return DeliveryHead(remoteAddress: try SocketAddress(ipAddress: address, port: 5000), contentType: contentType,
                            contentLength: length, authorization: authorization, signature: signature, rawQuery: query)
    }

    @Test("checks run in the contract's order: address, type, length, Basic auth, signature, bodySHA256")
    func order() throws {
        let policy = WebhookPolicy(config: Self.config)
        #expect(policy.checkHead(try Self.head()) == nil)
        // Each head is wrong in every later respect too; only the first check may answer.
        #expect(policy.checkHead(try Self.head(address: "10.0.0.1", contentType: "text/plain", length: "101"))?.status == .forbidden)
        #expect(policy.checkHead(try Self.head(contentType: "text/plain", length: "101"))?.status == .unsupportedMediaType)
        #expect(policy.checkHead(try Self.head(length: "101", authorization: nil))?.status == .contentTooLarge)
        #expect(policy.checkHead(try Self.head(authorization: "Basic dTp4", signature: "")) == .basicAuth)
        #expect(policy.checkHead(try Self.head(signature: "")) == .signatureMissing)
        #expect(policy.checkHead(try Self.head(signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")) == .signatureInvalid)
        #expect(policy.checkHead(try Self.head(query: "a=1")) == .bodyHashMissing)
    }

    @Test("the body must match the signed bodySHA256")
    func bodyHash() throws {
        let policy = WebhookPolicy(config: Self.config)
        let body = Array("{}".utf8)
        let good = try Self.head(query: "bodySHA256=" + ReceiverHarness.sha256Hex(body))
        #expect(policy.checkBody(body, head: good) == nil)
        #expect(policy.checkBody(Array("[]".utf8), head: good) == .bodyHashMismatch)
    }

    @Test("text that is not a range never becomes an allow_cidrs entry, and a list of ranges allows nobody outside them")
    func invalidCIDRsFailClosed() throws {
        #expect(CIDRBlock("not-a-range") == nil)
        var config = Self.config
        config.allowCIDRs = [try #require(CIDRBlock("192.0.2.0/24"))]
        #expect(WebhookPolicy(config: config).checkHead(try Self.head())?.status == .forbidden)
    }

    @Test("deliveries sharing a transaction get their own counts")
    func batchAccounting() {
        func event(_ id: String) -> TwilioEvent {
            TwilioEvent(id: id, dedupKey: "ce:s\n" + id, time: .distantPast, origin: .eventStreams, type: "t", raw: [])
        }
        let shared = IngestBatch([[event("a"), event("b")], [event("b"), event("c")], [event("d")]])
        #expect(shared.unique.map(\.id) == ["a", "b", "c", "d"])
        #expect(shared.needsPriorKeys)
        #expect(shared.outcomes(inserted: 3, alreadyStored: [false, true, false, false]) == [
            IngestOutcome(inserted: 1, duplicates: 1), IngestOutcome(inserted: 1, duplicates: 1),
            IngestOutcome(inserted: 1, duplicates: 0),
        ])
        let alone = IngestBatch([[event("a"), event("a"), event("b")]])
        #expect(!alone.needsPriorKeys)
        #expect(alone.outcomes(inserted: 1, alreadyStored: nil) == [IngestOutcome(inserted: 1, duplicates: 2)])
    }
}
