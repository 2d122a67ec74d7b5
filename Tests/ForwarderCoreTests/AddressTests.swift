import ForwarderCore
import Testing

@Suite("IP addresses and CIDR ranges")
struct AddressTests {
    @Test("IPv4 and IPv6 ranges match the addresses inside them", arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false),
        ("192.168.1.7", "192.168.1.7", true), ("192.168.1.7", "192.168.1.8", false),
        ("172.16.0.0/12", "172.31.255.255", true), ("172.16.0.0/12", "172.32.0.0", false),
        ("0.0.0.0/0", "8.8.8.8", true), ("127.0.0.0/8", "::ffff:127.0.0.1", true),
        ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("::1", "::1", true), ("::/0", "10.0.0.1", false), ("10.0.0.0/8", "2001:db8::1", false),
        ("10.0.0.0/8", "not an address", false), ("fe80::/10", "fe80::1", true),
    ])
    func matching(range: String, address: String, inside: Bool) throws {
        let block = try #require(CIDRBlock(range))
        #expect(block.contains(address) == inside)
    }

    @Test("text that is not a range is refused", arguments: [
        "", "10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/", "10.0.0.0/-1", "1.2.3.4/8/9", "fe80::1%eth0",
        "10.0.0.0/0008", "10.0.0.0/+8",
    ])
    func invalid(text: String) {
        #expect(CIDRBlock(text) == nil)
    }

    @Test("a range keeps only its network bits and is written back as network/prefix", arguments: [
        ("10.1.2.3/8", "10.0.0.0/8"), ("192.168.1.7", "192.168.1.7/32"), ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:db8:1:2::5/32", "2001:db8::/32"), ("::1", "::1/128"), ("::/0", "::/0"),
    ])
    func normalized(text: String, written: String) throws {
        #expect(try #require(CIDRBlock(text)).description == written)
    }

    @Test("an address is read to its bits", arguments: [
        ("0.0.0.0", IPAddress.Family.ipv4, UInt128(0)), ("255.255.255.255", .ipv4, UInt128(0xFFFF_FFFF)),
        ("192.0.2.1", .ipv4, UInt128(0xC000_0201)), ("::", .ipv6, UInt128(0)), ("::1", .ipv6, UInt128(1)),
        ("1::", .ipv6, UInt128(1) << 112), ("::ffff:192.0.2.1", .ipv6, UInt128(0xFFFF_C000_0201)),
        ("2001:DB8::8:800:200C:417A", .ipv6, (UInt128(0x2001_0DB8) << 96) | UInt128(0x0008_0800_200C_417A)),
        ("1:2:3:4:5:6:7:8", .ipv6, UInt128(0x0001_0002_0003_0004) << 64 | UInt128(0x0005_0006_0007_0008)),
    ])
    func bits(text: String, family: IPAddress.Family, bits: UInt128) throws {
        let address = try #require(IPAddress(text))
        #expect(address.family == family)
        #expect(address.bits == bits)
    }

    @Test("an address is written as RFC 5952 recommends", arguments: [
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"), ("::", "::"), ("0:0:0:0:0:0:0:1", "::1"), ("1::", "1::"),
        ("::ffff:c000:0201", "::ffff:192.0.2.1"), ("10.0.0.1", "10.0.0.1"),
    ])
    func written(text: String, expected: String) throws {
        #expect(try #require(IPAddress(text)).description == expected)
    }

    @Test("an IPv4-mapped address stands for its IPv4 address; no other does")
    func mapped() throws {
        #expect(try #require(IPAddress("::ffff:10.1.2.3")).mappedIPv4 == IPAddress("10.1.2.3"))
        #expect(try #require(IPAddress("::10.1.2.3")).mappedIPv4 == nil)
        #expect(try #require(IPAddress("10.1.2.3")).mappedIPv4 == nil)
    }
}
