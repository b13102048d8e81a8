import Foundation
import Glibc
import SwrunNetwork
import SwrunOS
import Testing
@testable import SwrunNetworkKernel

/// The nft text for IPv6 networks and ports, and the ports a container's mappings
/// become, without a kernel.
@Suite("Firewall elements, IPv6")
struct FirewallIPv6ElementTests {
    @Test func anIPv6NetworkGoesToTheIPv6Table() throws {
        let network = FirewallNetwork(bridge: "swbr-0123456789", subnet: "fd00:5a:1::7/64")
        #expect(try Firewall.table(of: network) == .ipv6)
        #expect(Firewall.addCommands(try Firewall.elements(of: network)) == """
            add element ip6 swrun bridges { "swbr-0123456789" }
            add element ip6 swrun same_bridge { "swbr-0123456789" . "swbr-0123456789" }
            add element ip6 swrun subnets { fd00:5a:1::/64 }
            add element ip6 swrun nat_subnets { fd00:5a:1::/64 }

            """)
        let closed = try Firewall.elements(of: FirewallNetwork(bridge: "br1", subnet: "fd00:98::/64", internal: true))
        #expect(closed.last == Firewall.Element(table: .ipv6, set: "internal_bridges", value: "\"br1\""))
    }

    @Test func theIPv6TableMasqueradesAndPublishesButLeavesLoopbackAlone() {
        let table = Firewall.definition(.ipv6)
        #expect(table.hasPrefix("table ip6 swrun {"))
        #expect(table.contains("dnat ip6 to ip6 daddr . meta l4proto . th dport map @published_addr_ports"))
        #expect(table.contains("ip6 saddr @nat_subnets oifname != @bridges masquerade"))
        #expect(table.contains("fib daddr type local ip6 daddr != ::1 jump publish"))
        #expect(!table.contains("ipv4_addr") && !table.contains("127.0.0.0/8"))
        // Without NAT in the kernel: the sets and maps, and the forward chain only.
        let filterOnly = Firewall.definition(.ipv6, nat: false)
        #expect(!filterOnly.contains("type nat") && filterOnly.contains("hook forward") && filterOnly.contains("map published_ports"))
        #expect(Firewall.definition(.ipv4).contains("ct status dnat ip saddr 127.0.0.0/8 masquerade"))
    }

    @Test func portsOfBothFamiliesGoToTheirTables() throws {
        let ports = [
            FirewallPort(hostPort: 8080, containerIP: "10.99.0.2", containerPort: 80),
            FirewallPort(hostPort: 8080, containerIP: "fd00:99:0::2", containerPort: 80),
            FirewallPort(proto: "udp", hostIP: "::", hostPort: 5353, containerIP: "fd00:99::2", containerPort: 53),
            FirewallPort(hostIP: "2001:db8:1:0::1", hostPort: 9090, containerIP: "fd00:99::2", containerPort: 80),
        ]
        #expect(Firewall.addCommands(try ports.map(Firewall.element(of:))) == """
            add element ip swrun published_ports { tcp . 8080 : 10.99.0.2 . 80 }
            add element ip6 swrun published_ports { tcp . 8080 : fd00:99::2 . 80, udp . 5353 : fd00:99::2 . 53 }
            add element ip6 swrun published_addr_ports { 2001:db8:1::1 . tcp . 9090 : fd00:99::2 . 80 }

            """)
    }

    /// docker's rules for which family a `-p` answers on.
    @Test func mappingsBecomePortsOfTheFamiliesTheyName() throws {
        let mappings = [
            PortMapping(hostIP: "", hostPort: 8080, containerPort: 80),
            PortMapping(hostIP: "0.0.0.0", hostPort: 8081, containerPort: 80),
            PortMapping(hostIP: "::", hostPort: 8082, containerPort: 80),
            PortMapping(hostIP: "2001:db8:1::1", hostPort: 8083, containerPort: 80, proto: "udp"),
        ]
        let ports = try ContainerNetwork.firewallPorts(mappings, to: "10.99.0.2", ipv6: "fd00:99::2", strict: true)
        #expect(ports.map { "\($0.hostIP ?? "*") \($0.hostPort) \($0.containerIP)" } == [
            "* 8080 10.99.0.2", "* 8080 fd00:99::2", "0.0.0.0 8081 10.99.0.2", ":: 8082 fd00:99::2", "2001:db8:1::1 8083 fd00:99::2",
        ])
        // A container without IPv6: every-address ports answer on IPv4 only.
        let v4Only = try ContainerNetwork.firewallPorts([mappings[0]], to: "10.99.0.2", ipv6: nil, strict: true)
        #expect(v4Only.map(\.containerIP) == ["10.99.0.2"])
    }

    @Test func ipv6HostPortsWithoutAWayThereFailTheRunButNotTheTeardown() throws {
        let loopback = PortMapping(hostIP: "::1", hostPort: 8080, containerPort: 80)
        let anyV6 = PortMapping(hostIP: "::", hostPort: 8081, containerPort: 80)
        #expect(throws: SwrunError.self) { try ContainerNetwork.firewallPorts([loopback], to: "10.99.0.2", ipv6: "fd00:99::2", strict: true) }
        #expect(throws: SwrunError.self) { try ContainerNetwork.firewallPorts([anyV6], to: "10.99.0.2", ipv6: nil, strict: true) }
        #expect(try ContainerNetwork.firewallPorts([loopback, anyV6], to: "10.99.0.2", ipv6: nil, strict: false).isEmpty)
    }
}

/// IPv6 through swrun's firewall on the real kernel, in `FirewallLab`'s namespaces:
/// the same isolation, publishing and masquerade as IPv4.
@Suite("Firewall on the kernel, IPv6", .serialized)
struct FirewallIPv6KernelTests {
    static let networks4 = [FirewallKernelTests.bridgeNet, FirewallKernelTests.internalNet, FirewallKernelTests.otherNet]
    static let bridgeNet = FirewallNetwork(bridge: "br0", subnet: "fd00:99::/64")
    static let internalNet = FirewallNetwork(bridge: "br1", subnet: "fd00:98::/64", internal: true)
    static let otherNet = FirewallNetwork(bridge: "br2", subnet: "fd00:97::/64")
    static let ports = [
        FirewallPort(hostPort: 8080, containerIP: "fd00:99::2", containerPort: 80),
        FirewallPort(proto: "udp", hostPort: 5353, containerIP: "fd00:99::2", containerPort: 53),
        FirewallPort(hostIP: "2001:db8:1::1", hostPort: 9090, containerIP: "fd00:99::2", containerPort: 80),
    ]

    func addAll(_ firewall: Firewall) throws {
        for network in Self.networks4 + [Self.bridgeNet, Self.internalNet, Self.otherNet] { try firewall.add(network: network) }
    }

    @Test func publishedPortsAnswerOnTheHostsIPv6Addresses() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let firewall = try Firewall(namespace: lab.host)
        try addAll(firewall)
        try firewall.add(ports: Self.ports + FirewallKernelTests.ports)
        let web = try FirewallSockets.listen(in: lab.container, port: 80, ipv6: true)
        let web4 = try FirewallSockets.listen(in: lab.container, port: 80)
        defer { close(web); close(web4) }

        // From outside, to the host's address: not masqueraded.
        #expect(try FirewallSockets.reach(from: lab.outside, "2001:db8:1::1", 8080, listener: web) == "2001:db8:1::2")
        // The host's own connections to its addresses.
        #expect(try FirewallSockets.reach(from: lab.host, "2001:db8:1::1", 8080, listener: web) == "2001:db8:1::1")
        #expect(try FirewallSockets.reach(from: lab.host, "fd00:99::1", 8080, listener: web) == "fd00:99::1")
        // Hairpin, and another network through the host's address.
        #expect(try FirewallSockets.reach(from: lab.container, "fd00:99::1", 8080, listener: web) == "fd00:99::1")
        #expect(try FirewallSockets.reach(from: lab.container, "2001:db8:1::1", 8080, listener: web) == "fd00:99::1")
        #expect(try FirewallSockets.reach(from: lab.other, "fd00:97::1", 8080, listener: web) == "fd00:99::1")
        // ::1 is not published: refused at once, not left hanging.
        #expect(try FirewallSockets.refused(from: lab.host, "::1", 8080))
        // A port published on one address answers there and only there.
        #expect(try FirewallSockets.reach(from: lab.outside, "2001:db8:1::1", 9090, listener: web) == "2001:db8:1::2")
        #expect(try FirewallSockets.reach(from: lab.container, "fd00:99::1", 9090, listener: web) == nil)
        // UDP, and IPv4 beside it.
        #expect(try FirewallSockets.udpExchange(server: lab.container, port: 53, client: lab.outside, "2001:db8:1::1", 5353) == "2001:db8:1::2")
        #expect(try FirewallSockets.reach(from: lab.outside, "198.51.100.1", 8080, listener: web4) == "198.51.100.2")

        try firewall.remove(ports: Self.ports)
        #expect(try FirewallSockets.reach(from: lab.outside, "2001:db8:1::1", 8080, listener: web) == nil)
        #expect(try FirewallSockets.reach(from: lab.outside, "198.51.100.1", 8080, listener: web4) == "198.51.100.2")
    }

    @Test func outboundIsMasqueradedAndNetworksAreIsolated() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let firewall = try Firewall(namespace: lab.host)
        try addAll(firewall)
        try firewall.add(ports: Self.ports)
        let outsideWeb = try FirewallSockets.listen(in: lab.outside, port: 80, ipv6: true)
        let web = try FirewallSockets.listen(in: lab.container, port: 80, ipv6: true)
        let internalWeb = try FirewallSockets.listen(in: lab.internalContainer, port: 80, ipv6: true)
        let otherWeb = try FirewallSockets.listen(in: lab.other, port: 80, ipv6: true)
        defer { [outsideWeb, web, internalWeb, otherWeb].forEach { close($0) } }

        #expect(try FirewallSockets.reach(from: lab.container, "2001:db8:1::2", 80, listener: outsideWeb) == "2001:db8:1::1")
        #expect(try FirewallSockets.reach(from: lab.other, "2001:db8:1::2", 80, listener: outsideWeb) == "2001:db8:1::1")
        // The internal network reaches nothing beyond its bridge, not even published ports.
        #expect(try FirewallSockets.reach(from: lab.internalContainer, "2001:db8:1::2", 80, listener: outsideWeb) == nil)
        #expect(try FirewallSockets.reach(from: lab.internalContainer, "fd00:99::2", 80, listener: web) == nil)
        #expect(try FirewallSockets.reach(from: lab.internalContainer, "fd00:98::1", 8080, listener: web) == nil)
        #expect(try FirewallSockets.reach(from: lab.container, "fd00:98::2", 80, listener: internalWeb) == nil)
        // Two networks do not route to each other.
        #expect(try FirewallSockets.reach(from: lab.container, "fd00:97::2", 80, listener: otherWeb) == nil)
        #expect(try FirewallSockets.reach(from: lab.other, "fd00:99::2", 80, listener: web) == nil)
        // Without the IPv6 networks the IPv6 table is gone (IPv4's stays), and nothing
        // is masqueraded: the outside host cannot answer.
        for network in [Self.bridgeNet, Self.internalNet, Self.otherNet] { try firewall.remove(network: network) }
        #expect(try !firewall.tableExists(.ipv6) && firewall.tableExists(.ipv4))
        #expect(try FirewallSockets.reach(from: lab.container, "2001:db8:1::2", 80, listener: outsideWeb) == nil)
        #expect(try FirewallSockets.reach(from: lab.container, "fd00:97::2", 80, listener: otherWeb) == "fd00:99::2")
    }

    /// A kernel that refuses IPv6 NAT: the table is made without its NAT chains, with
    /// one warning, and networks are isolated all the same.
    @Test func withoutIPv6NATNetworksAreStillIsolated() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let firewall = try Firewall(namespace: lab.host)
        firewall.refusesIPv6NAT = true
        #expect(try firewall.add(network: FirewallKernelTests.bridgeNet) == nil)
        #expect(try firewall.add(network: Self.bridgeNet) == Firewall.noIPv6NATWarning)
        #expect(try firewall.add(network: Self.otherNet) == nil)
        try firewall.add(ports: Self.ports)
        #expect(!(try lab.run(lab.host, "nft", "list table ip6 swrun").contains("type nat")))
        let otherWeb = try FirewallSockets.listen(in: lab.other, port: 80, ipv6: true)
        let web = try FirewallSockets.listen(in: lab.container, port: 80, ipv6: true)
        defer { close(otherWeb); close(web) }
        #expect(try FirewallSockets.reach(from: lab.container, "fd00:97::2", 80, listener: otherWeb) == nil)
        #expect(try FirewallSockets.reach(from: lab.outside, "2001:db8:1::1", 8080, listener: web) == nil)
        try firewall.remove(ports: Self.ports)
        for network in [Self.bridgeNet, Self.otherNet, FirewallKernelTests.bridgeNet] { try firewall.remove(network: network) }
        #expect(try firewall.ruleset() == "")
    }

    @Test func teardownLeavesTheRulesetAsItWas() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        try lab.run(lab.host, "nft", "add table ip6 hostfw; add chain ip6 hostfw input { type filter hook input priority 0; policy accept; }")
        let before = try lab.run(lab.host, "nft", "list ruleset")
        let firewall = try Firewall(namespace: lab.host)
        try addAll(firewall)
        try firewall.add(ports: Self.ports + FirewallKernelTests.ports)
        let ruleset = try firewall.ruleset()
        #expect(ruleset.contains("table ip swrun") && ruleset.contains("table ip6 swrun"))
        #expect(ruleset.contains("tcp . 8080 : fd00:99::2 . 80"))
        print("swrun's tables with three dual-stack networks and six ports:\n" + ruleset)

        try firewall.remove(ports: Self.ports + FirewallKernelTests.ports)
        for network in Self.networks4 + [Self.bridgeNet, Self.internalNet, Self.otherNet] { try firewall.remove(network: network) }
        #expect(try firewall.ruleset() == "")
        #expect(try lab.run(lab.host, "nft", "list ruleset") == before)
    }
}
