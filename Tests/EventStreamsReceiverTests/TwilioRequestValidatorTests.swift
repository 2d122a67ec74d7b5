@testable import EventStreamsReceiver
import ForwarderCore
import NIOCore
import Testing

@Suite("X-Twilio-Signature and bodySHA256, as pure functions")
struct TwilioRequestValidatorTests {
    // Twilio's published vector (signature-test-vectors.md §1).
    static let token = "12345"
    static let body = Array(#"{"property": "value", "boolean": true}"#.utf8)
    static let bodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=\(bodyHash)"
    static let signature = "a9nBmqA0ju/hNViExpshrM61xv4="

    @Test("Twilio's published JSON-body vector validates")
    func publishedVector() {
        #expect(TwilioRequestValidator.bodySHA256Hex(Self.body) == Self.bodyHash)
        #expect(TwilioRequestValidator.signature(authToken: Self.token, url: Self.url) == Self.signature)
        #expect(TwilioRequestValidator.isValidSignature(Self.signature, authToken: Self.token, url: Self.url))
        #expect(TwilioRequestValidator.isValidBodyHash(Self.body, expected: Self.bodyHash))
        let query = TwilioRequestValidator.rawQuery(ofTarget: "/myapp.php?foo=1&bar=2&bodySHA256=\(Self.bodyHash)")
        #expect(TwilioRequestValidator.bodySHA256Parameter(inQuery: query) == Self.bodyHash)
        #expect(TwilioRequestValidator.signedURL(publicURL: "https://mycompany.com/myapp.php", rawQuery: query) == Self.url)
    }

    @Test("a wrong token, URL, body or signature is refused")
    func refusals() {
        #expect(!TwilioRequestValidator.isValidSignature(Self.signature, authToken: "54321", url: Self.url))
        #expect(!TwilioRequestValidator.isValidSignature(Self.signature, authToken: Self.token, url: Self.url + "&x=1"))
        #expect(!TwilioRequestValidator.isValidSignature("b9nBmqA0ju/hNViExpshrM61xv4=", authToken: Self.token, url: Self.url))
        // Same 20 bytes in a non-canonical spelling (padding bits set): Twilio compares the text, so do we.
        #expect(!TwilioRequestValidator.isValidSignature("a9nBmqA0ju/hNViExpshrM61xv5=", authToken: Self.token, url: Self.url))
        #expect(!TwilioRequestValidator.isValidSignature("", authToken: Self.token, url: Self.url))
        #expect(!TwilioRequestValidator.isValidSignature("not base64!", authToken: Self.token, url: Self.url))
        #expect(!TwilioRequestValidator.isValidSignature("YWJj", authToken: Self.token, url: Self.url))
        var tampered = Self.body
        tampered[3] ^= 1
        #expect(!TwilioRequestValidator.isValidBodyHash(tampered, expected: Self.bodyHash))
        #expect(!TwilioRequestValidator.isValidBodyHash(Self.body, expected: Self.bodyHash.uppercased()))
        #expect(!TwilioRequestValidator.isValidBodyHash(Self.body, expected: ""))
    }

    @Test("the default port may be present or absent, and credentials in the URL are ignored")
    func urlSpellings() {
        let withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=\(Self.bodyHash)"
        let withCredentials = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=\(Self.bodyHash)"
        // Signed without the port, validated against a public_url that has it, and the other way round.
        #expect(TwilioRequestValidator.isValidSignature(Self.signature, authToken: Self.token, url: withPort))
        let signedWithPort = TwilioRequestValidator.signature(authToken: Self.token, url: withPort)
        #expect(TwilioRequestValidator.isValidSignature(signedWithPort, authToken: Self.token, url: Self.url))
        #expect(TwilioRequestValidator.isValidSignature(Self.signature, authToken: Self.token, url: withCredentials))
        #expect(TwilioRequestValidator.candidateURLs(for: "http://h.example/p?q=1")
            == ["http://h.example/p?q=1", "http://h.example:80/p?q=1"])
        #expect(TwilioRequestValidator.candidateURLs(for: "https://u:p@h.example:8443/p")
            == ["https://u:p@h.example:8443/p", "https://u:p@h.example/p", "https://h.example:8443/p", "https://h.example/p"])
        #expect(TwilioRequestValidator.candidateURLs(for: "https://[2001:db8::1]/p").contains("https://[2001:db8::1]:443/p"))
    }

    @Test("the query is used exactly as received, never decoded or re-encoded")
    func rawQuery() {
        let target = "/hook?a=%2F%20b&c=d+e&bodySHA256=ab"
        let query = TwilioRequestValidator.rawQuery(ofTarget: target)
        #expect(query == "a=%2F%20b&c=d+e&bodySHA256=ab")
        #expect(TwilioRequestValidator.signedURL(publicURL: "https://x.example/hook?ignored=1#frag", rawQuery: query)
            == "https://x.example/hook?a=%2F%20b&c=d+e&bodySHA256=ab")
        #expect(TwilioRequestValidator.rawQuery(ofTarget: "/hook") == nil)
        #expect(TwilioRequestValidator.bodySHA256Parameter(inQuery: "a=1") == nil)
        #expect(TwilioRequestValidator.bodySHA256Parameter(inQuery: nil) == nil)
        #expect(TwilioRequestValidator.bodySHA256Parameter(inQuery: "xbodySHA256=1&bodySHA256=2") == "2")
    }
}

@Suite("allow_cidrs ranges against a client's socket address")
struct CIDRBlockSocketAddressTests {
    @Test("a socket address is matched by its IP")
    func socketAddress() throws {
        let block = try #require(CIDRBlock("127.0.0.0/8"))
        #expect(block.contains(try SocketAddress(ipAddress: "127.0.0.1", port: 4000)))
        #expect(!block.contains(try SocketAddress(ipAddress: "192.0.2.1", port: 4000)))
        #expect(block.description == "127.0.0.0/8")
    }
}
