import FoundationEssentials
import Testing
@testable import SwrunNetwork

/// IPv4/IPv6 text forms, CIDR blocks and their arithmetic.
@Suite struct IPAddressTests {
    @Test(arguments: ["0.0.0.0", "172.17.0.1", "255.255.255.255", "10.0.0.0"])
    func ipv4RoundTrips(text: String) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.description == text)
    }

    @Test(arguments: ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", "", "a.b.c.d", "1..2.3", "1.2.3.-4", "1.2.3.4/8"])
    func ipv4Refuses(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func ipv4Value() {
        #expect(IPv4Address("172.17.0.2")?.value == 0xAC11_0002)
        #expect(IPv4Address(0x0A00_0001).description == "10.0.0.1")
        #expect(IPv4Address("10.0.0.2")! < IPv4Address("10.0.0.10")!)
    }

    @Test(arguments: [
        ("::", "::"),
        ("::1", "::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("FD00::ABCD", "fd00::abcd"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("::ffff:0102:0304", "::ffff:1.2.3.4"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("fe80::", "fe80::"),
        ("64:ff9b::10.0.0.1", "64:ff9b::a00:1"),
    ])
    func ipv6IsWrittenAsRFC5952Says(text: String, canonical: String) throws {
        let address = try #require(IPv6Address(text))
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
    }

    @Test(arguments: [
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", ":1::", "1:::2", "12345::", "g::", "fe80::1%eth0",
        "1.2.3.4::", "1:2:3:4:5:6:7:8::", "::1.2.3", "", ":", "::ffff:1.2.3.4:5",
    ])
    func ipv6Refuses(text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test func ipv6Bytes() throws {
        let address = try #require(IPv6Address("fd00::1:2"))
        #expect(address.bytes == [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2])
        #expect(IPv6Address(bytes: address.bytes) == address)
        #expect(IPv6Address(bytes: [1, 2]) == nil)
    }

    @Test func ipAddressPicksTheFamilyAndOrdersIPv4First() throws {
        #expect(IPAddress("10.0.0.1")?.family == .v4)
        #expect(IPAddress("fd00::1")?.family == .v6)
        #expect(IPAddress("localhost") == nil)
        #expect(IPAddress("1.2.3.4.5") == nil)
        let sorted = ["fd00::1", "10.0.0.2", "::1", "10.0.0.1"].compactMap(IPAddress.init).sorted()
        #expect(sorted.map(\.description) == ["10.0.0.1", "10.0.0.2", "::1", "fd00::1"])
    }

    @Test func addressesAndBlocksAreCodedAsText() throws {
        struct Record: Codable, Equatable {
            var address: IPAddress
            var v4: IPv4Address
            var network: IPNetwork
        }
        let record = Record(address: IPAddress("fd00::2")!, v4: IPv4Address("10.1.2.3")!, network: IPNetwork(cidr: "10.0.0.0/8")!)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(record)
        #expect(String(decoding: data, as: UTF8.self) == #"{"address":"fd00::2","network":"10.0.0.0\/8","v4":"10.1.2.3"}"#)
        #expect(try JSONDecoder().decode(Record.self, from: data) == record)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([IPAddress].self, from: Data(#"["10.0.0.300"]"#.utf8))
        }
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0", 8),
        ("172.17.0.0/16", "172.17.0.0", 16),
        ("0.0.0.0/0", "0.0.0.0", 0),
        ("10.0.0.1/32", "10.0.0.1", 32),
        ("fd00:1::/64", "fd00:1::", 64),
        ("::/0", "::", 0),
    ])
    func cidrParses(text: String, address: String, length: Int) throws {
        let network = try #require(IPNetwork(cidr: text))
        #expect(network.address.description == address)
        #expect(network.prefixLength == length)
        #expect(network.description == text)
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0", "fd00::/129", "/8", "10.0.0.0/-1", "10.0.0.0/8/8", "x/8"])
    func cidrRefuses(text: String) {
        #expect(IPNetwork(cidr: text) == nil)
    }

    @Test func hostBitsAreKeptForValidation() throws {
        let network = try #require(IPNetwork(cidr: "172.20.0.1/16"))
        #expect(network.description == "172.20.0.1/16")
        #expect(!network.isMasked)
        #expect(network.masked.description == "172.20.0.0/16")
        #expect(network.masked.isMasked)
        #expect(network.contains(IPAddress("172.20.9.9")!))
        #expect(IPNetwork(cidr: "fd00::1/64")?.masked.description == "fd00::/64")
    }

    @Test func containsAndOverlaps() throws {
        let net = { (text: String) in IPNetwork(cidr: text)! }
        let ip = { (text: String) in IPAddress(text)! }
        #expect(net("172.17.0.0/16").contains(ip("172.17.255.255")))
        #expect(!net("172.17.0.0/16").contains(ip("172.18.0.0")))
        #expect(!net("172.17.0.0/16").contains(ip("::ffff:172.17.0.1")))
        #expect(net("0.0.0.0/0").contains(ip("8.8.8.8")))
        #expect(net("fd00::/8").contains(ip("fd12:3456::1")))
        #expect(net("172.16.0.0/12").overlaps(net("172.18.0.0/16")))
        #expect(net("172.18.0.0/16").overlaps(net("172.16.0.0/12")))
        #expect(net("172.18.5.0/24").overlaps(net("172.18.0.0/16")))
        #expect(!net("172.18.0.0/16").overlaps(net("172.19.0.0/16")))
        #expect(!net("192.168.0.0/20").overlaps(net("192.168.16.0/20")))
        #expect(!net("0.0.0.0/0").overlaps(net("::/0")))
        #expect(net("10.0.0.0/8").contains(net("10.1.0.0/16")))
        #expect(!net("10.1.0.0/16").contains(net("10.0.0.0/8")))
    }

    @Test func addressAtOffset() throws {
        let bridge = try #require(IPNetwork(cidr: "172.17.0.0/16"))
        #expect(bridge.address(at: 0)?.description == "172.17.0.0")
        #expect(bridge.address(at: 1)?.description == "172.17.0.1")
        #expect(bridge.address(at: 258)?.description == "172.17.1.2")
        #expect(bridge.address(at: 65535)?.description == "172.17.255.255")
        #expect(bridge.address(at: 65536) == nil)
        #expect(bridge.first.description == "172.17.0.0" && bridge.last.description == "172.17.255.255")
        #expect(IPNetwork(cidr: "10.0.0.7/29")?.address(at: 2)?.description == "10.0.0.2")
        #expect(IPNetwork(cidr: "10.0.0.0/29")?.last.description == "10.0.0.7")
        let v6 = try #require(IPNetwork(cidr: "fd00:1::/64"))
        #expect(v6.address(at: 2)?.description == "fd00:1::2")
        #expect(v6.address(at: UInt64.max)?.description == "fd00:1::ffff:ffff:ffff:ffff")
        #expect(v6.last.description == "fd00:1::ffff:ffff:ffff:ffff")
        #expect(IPNetwork(cidr: "fd00::/120")?.address(at: 256) == nil)
        #expect(bridge.offset(of: IPAddress("172.17.1.2")!) == 258)
        #expect(bridge.offset(of: IPAddress("172.18.0.0")!) == nil)
    }

    @Test func hostRoutesAreReadFromProcNetRoute() {
        let table = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\t016433C6\t0003\t0\t0\t0\t00000000\t0\t0\t0
            eth0\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            br0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
            """
        #expect(HostRoutes.parse(table).map(\.description) == ["198.51.100.0/24", "172.18.0.0/16"])
    }
}
