import Foundation
import Glibc
import SwrunOS
import Synchronization
import Testing
@testable import SwrunNetworkKernel

/// The nft text the firewall builds, without a kernel.
@Suite("Firewall elements")
struct FirewallElementTests {
    @Test func networkElements() throws {
        let elements = try Firewall.elements(of: FirewallNetwork(bridge: "swrun0", subnet: "172.17.0.9/16"))
        #expect(Firewall.addCommands(elements) == """
            add element ip swrun bridges { "swrun0" }
            add element ip swrun same_bridge { "swrun0" . "swrun0" }
            add element ip swrun subnets { 172.17.0.0/16 }
            add element ip swrun nat_subnets { 172.17.0.0/16 }

            """)
        let isolated = try Firewall.elements(of: FirewallNetwork(bridge: "swbr-0123456789", subnet: "172.18.0.0/16", internal: true))
        #expect(isolated.last == Firewall.Element(set: "internal_bridges", value: "\"swbr-0123456789\""))
        #expect(!isolated.contains { $0.set == "nat_subnets" })
    }

    @Test func removalCoversBothKindsOfNetwork() throws {
        let removal = try Firewall.removalElements(of: FirewallNetwork(bridge: "br0", subnet: "10.99.0.0/24"))
        #expect(Set(removal.map(\.set)) == ["bridges", "same_bridge", "subnets", "nat_subnets", "internal_bridges"])
        #expect(Firewall.removeCommands([Firewall.Element(set: "bridges", value: "\"br0\"")]) == """
            add element ip swrun bridges { "br0" }
            delete element ip swrun bridges { "br0" }

            """)
    }

    @Test func portElements() throws {
        let ports = [
            FirewallPort(hostPort: 8080, containerIP: "10.99.0.2", containerPort: 80),
            FirewallPort(proto: "udp", hostIP: "0.0.0.0", hostPort: 5353, containerIP: "10.99.0.2", containerPort: 53),
            FirewallPort(hostIP: "127.0.0.1", hostPort: 9090, containerIP: "10.99.0.2", containerPort: 80),
        ]
        #expect(Firewall.addCommands(try ports.map(Firewall.element(of:))) == """
            add element ip swrun published_ports { tcp . 8080 : 10.99.0.2 . 80, udp . 5353 : 10.99.0.2 . 53 }
            add element ip swrun published_addr_ports { 127.0.0.1 . tcp . 9090 : 10.99.0.2 . 80 }

            """)
    }

    static let badNetworks = [
        FirewallNetwork(bridge: "", subnet: "10.0.0.0/8"),
        FirewallNetwork(bridge: "a-name-too-long-", subnet: "10.0.0.0/8"),
        FirewallNetwork(bridge: "br\" }; flush ruleset", subnet: "10.0.0.0/8"),
        FirewallNetwork(bridge: "br0", subnet: "10.0.0.0"),
        FirewallNetwork(bridge: "br0", subnet: "10.0.0.0/33"),
        FirewallNetwork(bridge: "br0", subnet: "10.0.0/8"),
        FirewallNetwork(bridge: "br0", subnet: "fd00::/129"),
        FirewallNetwork(bridge: "br0", subnet: "fd00:::1/64"),
        FirewallNetwork(bridge: "br0", subnet: "fd00::/64 }"),
    ]

    @Test(arguments: badNetworks) func badNetworksAreRefused(_ network: FirewallNetwork) {
        #expect(throws: SwrunError.self) { try Firewall.elements(of: network) }
    }

    static let badPorts = [
        FirewallPort(proto: "sctp", hostPort: 1, containerIP: "10.0.0.2", containerPort: 1),
        FirewallPort(hostPort: 0, containerIP: "10.0.0.2", containerPort: 1),
        FirewallPort(hostPort: 1, containerIP: "10.0.0.2", containerPort: 0),
        FirewallPort(hostPort: 1, containerIP: "10.0.0.256", containerPort: 1),
        FirewallPort(hostIP: "::1", hostPort: 1, containerIP: "10.0.0.2", containerPort: 1),
        FirewallPort(hostIP: "1.2.3.4 . tcp", hostPort: 1, containerIP: "10.0.0.2", containerPort: 1),
        FirewallPort(hostIP: "10.0.0.1", hostPort: 1, containerIP: "fd00::2", containerPort: 1),
        FirewallPort(hostPort: 1, containerIP: "fd00::2 . 1", containerPort: 1),
    ]

    @Test(arguments: badPorts) func badPortsAreRefused(_ port: FirewallPort) {
        #expect(throws: SwrunError.self) { try Firewall.element(of: port) }
    }

    @Test func nftErrorsReadAsOneLine() {
        let text = """
            Error: Could not process rule: File exists
            add element ip swrun published_ports { tcp . 8080 : 10.99.0.3 . 80 }
                                                    ^^^^^^^^^^

            """
        #expect(Firewall.firstError(text, commands: "") ==
            "Could not process rule: File exists: add element ip swrun published_ports { tcp . 8080 : 10.99.0.3 . 80 }")
    }
}

/// swrun's firewall on the real kernel, with real traffic, in namespaces the tests
/// make: a "host" with swrun's bridges, containers on them, and an "outside" host
/// (TEST-NET-2) behind the host's uplink. The test process's namespace is not touched.
@Suite("Firewall on the kernel", .serialized)
struct FirewallKernelTests {
    static let bridgeNet = FirewallNetwork(bridge: "br0", subnet: "10.99.0.0/24")
    static let internalNet = FirewallNetwork(bridge: "br1", subnet: "10.98.0.0/24", internal: true)
    static let otherNet = FirewallNetwork(bridge: "br2", subnet: "10.97.0.0/24")
    static let ports = [
        FirewallPort(hostPort: 8080, containerIP: "10.99.0.2", containerPort: 80),
        FirewallPort(proto: "udp", hostPort: 5353, containerIP: "10.99.0.2", containerPort: 53),
        FirewallPort(hostIP: "127.0.0.1", hostPort: 9090, containerIP: "10.99.0.2", containerPort: 80),
    ]

    @Test func publishedPortsAnswerEverywhere() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let firewall = try Firewall(namespace: lab.host)
        try firewall.add(network: Self.bridgeNet)
        try firewall.add(network: Self.otherNet)
        try firewall.add(ports: Self.ports)
        let web = try FirewallSockets.listen(in: lab.container, port: 80)
        defer { close(web) }

        // From outside, to the host's address: not masqueraded.
        #expect(try FirewallSockets.reach(from: lab.outside, "198.51.100.1", 8080, listener: web) == "198.51.100.2")
        // The host's own connections, to 127.0.0.1 (masqueraded: the container could not
        // answer 127.0.0.1) and to its other addresses.
        #expect(try FirewallSockets.reach(from: lab.host, "127.0.0.1", 8080, listener: web) == "10.99.0.1")
        #expect(try FirewallSockets.reach(from: lab.host, "10.99.0.1", 8080, listener: web) == "10.99.0.1")
        #expect(try FirewallSockets.reach(from: lab.host, "198.51.100.1", 8080, listener: web) == "198.51.100.1")
        // Hairpin: the container reaches its own published port, through the gateway
        // and through the host's outside address.
        #expect(try FirewallSockets.reach(from: lab.container, "10.99.0.1", 8080, listener: web) == "10.99.0.1")
        #expect(try FirewallSockets.reach(from: lab.container, "198.51.100.1", 8080, listener: web) == "10.99.0.1")
        // A container of another network reaches it through the host's address too.
        #expect(try FirewallSockets.reach(from: lab.other, "10.97.0.1", 8080, listener: web) == "10.99.0.1")
        // A port published on 127.0.0.1 answers there and only there.
        #expect(try FirewallSockets.reach(from: lab.host, "127.0.0.1", 9090, listener: web) == "10.99.0.1")
        #expect(try FirewallSockets.reach(from: lab.outside, "198.51.100.1", 9090, listener: web) == nil)
        // UDP.
        #expect(try FirewallSockets.udpExchange(server: lab.container, port: 53, client: lab.outside, "198.51.100.1", 5353) == "198.51.100.2")

        try firewall.remove(ports: Self.ports)
        #expect(try FirewallSockets.reach(from: lab.outside, "198.51.100.1", 8080, listener: web) == nil)
    }

    @Test func outboundIsMasqueradedAndNetworksAreIsolated() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let firewall = try Firewall(namespace: lab.host)
        for network in [Self.bridgeNet, Self.internalNet, Self.otherNet] { try firewall.add(network: network) }
        try firewall.add(ports: Self.ports)
        let outsideWeb = try FirewallSockets.listen(in: lab.outside, port: 80)
        let web = try FirewallSockets.listen(in: lab.container, port: 80)
        let internalWeb = try FirewallSockets.listen(in: lab.internalContainer, port: 80)
        let otherWeb = try FirewallSockets.listen(in: lab.other, port: 80)
        defer { [outsideWeb, web, internalWeb, otherWeb].forEach { close($0) } }

        #expect(try FirewallSockets.reach(from: lab.container, "198.51.100.2", 80, listener: outsideWeb) == "198.51.100.1")
        #expect(try FirewallSockets.reach(from: lab.other, "198.51.100.2", 80, listener: outsideWeb) == "198.51.100.1")
        // The internal network reaches nothing beyond its bridge, not even published ports.
        #expect(try FirewallSockets.reach(from: lab.internalContainer, "198.51.100.2", 80, listener: outsideWeb) == nil)
        #expect(try FirewallSockets.reach(from: lab.internalContainer, "10.99.0.2", 80, listener: web) == nil)
        #expect(try FirewallSockets.reach(from: lab.internalContainer, "10.98.0.1", 8080, listener: web) == nil)
        #expect(try FirewallSockets.reach(from: lab.container, "10.98.0.2", 80, listener: internalWeb) == nil)
        // Two networks do not route to each other.
        #expect(try FirewallSockets.reach(from: lab.container, "10.97.0.2", 80, listener: otherWeb) == nil)
        #expect(try FirewallSockets.reach(from: lab.other, "10.99.0.2", 80, listener: web) == nil)
        // Without swrun's rules nothing is masqueraded: the outside host cannot answer.
        for network in [Self.bridgeNet, Self.internalNet, Self.otherNet] { try firewall.remove(network: network) }
        #expect(try FirewallSockets.reach(from: lab.container, "198.51.100.2", 80, listener: outsideWeb) == nil)
    }

    @Test func teardownLeavesTheRulesetAsItWas() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        // Someone else's table, which swrun must leave alone.
        try lab.run(lab.host, "nft", "add table inet hostfw; add chain inet hostfw input { type filter hook input priority 0; policy accept; }; add rule inet hostfw input tcp dport 22 accept")
        let before = try lab.run(lab.host, "nft", "list ruleset")
        let firewall = try Firewall(namespace: lab.host)
        #expect(try firewall.ruleset() == "")

        for network in [Self.bridgeNet, Self.internalNet] { try firewall.add(network: network) }
        try firewall.add(ports: Self.ports)
        let ruleset = try firewall.ruleset()
        #expect(ruleset.contains("tcp . 8080 : 10.99.0.2 . 80"))
        #expect(try lab.run(lab.host, "nft", "list ruleset").contains("table inet hostfw"))
        print("swrun's table with two networks and three ports:\n" + ruleset)

        try firewall.remove(ports: Self.ports)
        try firewall.remove(network: Self.bridgeNet)
        #expect(try firewall.ruleset().contains("\"br1\""))
        try firewall.remove(network: Self.internalNet)
        #expect(try firewall.ruleset() == "")
        #expect(try lab.run(lab.host, "nft", "list ruleset") == before)
    }

    @Test func changesAreIdempotent() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let firewall = try Firewall(namespace: lab.host)
        // Nothing to remove yet.
        try firewall.remove(ports: Self.ports)
        try firewall.remove(network: Self.bridgeNet)

        try firewall.add(network: Self.bridgeNet)
        let once = try firewall.ruleset()
        try firewall.add(network: Self.bridgeNet)
        #expect(try firewall.ruleset() == once)
        try firewall.add(ports: Self.ports)
        try firewall.add(ports: Self.ports)
        try firewall.remove(ports: Self.ports)
        #expect(try firewall.ruleset() == once)
        try firewall.remove(ports: Self.ports)

        // A host port published elsewhere fails the whole call and is left as it was.
        try firewall.add(ports: [Self.ports[0]])
        var taken = Self.ports[0]
        taken.containerIP = "10.99.0.3"
        #expect(throws: SwrunError.self) { try firewall.add(ports: [Self.ports[2], taken]) }
        #expect(throws: SwrunError.self) { try firewall.remove(ports: [taken]) }
        #expect(try firewall.ruleset().contains("tcp . 8080 : 10.99.0.2 . 80"))
        #expect(!(try firewall.ruleset().contains("9090")))

        // Removing a network that is not there leaves the others and the table.
        try firewall.remove(network: Self.otherNet)
        #expect(try firewall.ruleset().contains("\"br0\""))
        try firewall.remove(network: Self.bridgeNet)
        try firewall.remove(network: Self.bridgeNet)
        #expect(try firewall.ruleset() == "")
    }

    @Test func firstNetworksAddedAtOnceMakeOneTable() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let networks = (0..<4).map { FirewallNetwork(bridge: "race\($0)", subnet: "10.60.\($0).0/24") }
        let host = lab.host
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: networks.count) { index in
            do {
                try Firewall(namespace: host).add(network: networks[index])
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let ruleset = try Firewall(namespace: host).ruleset()
        #expect(ruleset.components(separatedBy: "jump publish").count == 3)
        for network in networks { #expect(ruleset.contains("\"\(network.bridge)\"")) }
    }

    /// Fifty networks with ports come and go on a warm table; the last one out takes
    /// the table. (Timings belong to scripts/bench, not here.)
    @Test func manyNetworksComeAndGoAndTheLastTakesTheTable() throws {
        let lab = try FirewallLab()
        defer { lab.close() }
        let fw = try Firewall(namespace: lab.host)
        try fw.add(network: Self.bridgeNet)
        for round in 0..<50 {
            let network = FirewallNetwork(bridge: "bench\(round)", subnet: "10.50.\(round).0/24")
            let ports = (0..<3).map { FirewallPort(hostPort: UInt16(20000 + round * 3 + $0), containerIP: "10.50.\(round).2", containerPort: 80) }
            try fw.add(network: network)
            try fw.add(ports: ports)
            #expect(try fw.ruleset().contains("\"bench\(round)\""))
            try fw.remove(ports: ports)
            try fw.remove(network: network)
            #expect(!(try fw.ruleset().contains("bench\(round)")))
        }
        try fw.remove(network: Self.bridgeNet)
        #expect(try fw.ruleset() == "")
    }
}

/// The namespaces of one test, pinned under a temporary directory:
/// - host: bridges br0 10.99.0.1/24 and fd00:99::1/64, br1 10.98.0.1/24 and
///   fd00:98::1/64 (the internal network's), br2 10.97.0.1/24 and fd00:97::1/64, and
///   up0 198.51.100.1/24 and 2001:db8:1::1/64 towards the outside (TEST-NET-2 and
///   IPv6's documentation prefix);
/// - container (10.99.0.2, fd00:99::2 on br0), internalContainer (10.98.0.2,
///   fd00:98::2 on br1), other (10.97.0.2, fd00:97::2 on br2), each with default
///   routes via its bridge;
/// - outside: 198.51.100.2/24 and 2001:db8:1::2/64, no route to the containers.
final class FirewallLab {
    let directory: String
    var host: String { directory + "/host" }
    var container: String { directory + "/container" }
    var internalContainer: String { directory + "/internal" }
    var other: String { directory + "/other" }
    var outside: String { directory + "/outside" }
    private var made: [String] = []

    init() throws {
        var template = Array("/tmp/swrun-firewall-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw SwrunError.system("mkdtemp") }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            try build()
        } catch {
            close()
            throw error
        }
    }

    private func build() throws {
        for namespace in [host, container, internalContainer, other, outside] {
            try NetworkNamespace.create(at: namespace)
            made.append(namespace)
            try run(namespace, "ip", "link set lo up")
            // Links come up at once: no duplicate address detection, which keeps a new
            // link's IPv6 link-local address (and so its neighbour discovery) waiting.
            try run(namespace, "sysctl", "-qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0")
        }
        try run(host, "sysctl", "-qw net.ipv4.ip_forward=1")
        try run(host, "sysctl", "-qw net.ipv6.conf.all.forwarding=1")
        for (index, (namespace, bridge)) in [(container, "br0"), (internalContainer, "br1"), (other, "br2")].enumerated() {
            let prefix = "10.\(99 - index).0"
            try run(host, "ip", "link add \(bridge) type bridge")
            try run(host, "ip", "addr add \(prefix).1/24 dev \(bridge)")
            try run(host, "ip", "link set \(bridge) up")
            try run(host, "sysctl", "-qw net.ipv4.conf.\(bridge).route_localnet=1")
            // Hairpin on the container's port: with br_netfilter, a DNATed packet back
            // to the container it came from is bridged out of the port it came in by.
            try run(host, "ip", "link add v\(index) type veth peer name eth0 netns \(namespace)")
            try run(host, "ip", "link set v\(index) master \(bridge)")
            try run(host, "ip", "link set v\(index) type bridge_slave hairpin on")
            try run(host, "ip", "link set v\(index) up")
            try run(namespace, "ip", "addr add \(prefix).2/24 dev eth0")
            try run(namespace, "ip", "link set eth0 up")
            try run(namespace, "ip", "route add default via \(prefix).1")
            let prefix6 = "fd00:\(99 - index)::"
            try run(host, "ip", "addr add \(prefix6)1/64 dev \(bridge) nodad")
            try run(namespace, "ip", "addr add \(prefix6)2/64 dev eth0 nodad")
            try run(namespace, "ip", "-6 route add default via \(prefix6)1")
        }
        try run(host, "ip", "link add up0 type veth peer name eth0 netns \(outside)")
        try run(host, "ip", "addr add 198.51.100.1/24 dev up0")
        try run(host, "ip", "link set up0 up")
        try run(host, "ip", "addr add 2001:db8:1::1/64 dev up0 nodad")
        try run(outside, "ip", "addr add 198.51.100.2/24 dev eth0")
        try run(outside, "ip", "addr add 2001:db8:1::2/64 dev eth0 nodad")
        try run(outside, "ip", "link set eth0 up")
    }

    func close() {
        for namespace in made { try? NetworkNamespace.remove(at: namespace) }
        made = []
        rmdir(directory)
    }

    /// `nsenter --net=NAMESPACE TOOL ARGUMENTS…` (arguments split at spaces, except
    /// nft's, which is one command line): its output, or an error with its stderr.
    @discardableResult
    func run(_ namespace: String, _ tool: String, _ arguments: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        let words = tool == "nft" ? [arguments] : arguments.split(separator: " ").map(String.init)
        process.arguments = ["--net=" + namespace, tool] + words
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SwrunError(.system, "\(tool) \(arguments): \(problem)")
        }
        return text
    }
}

/// Sockets made inside a namespace (a socket stays in the namespace it was made in,
/// whichever thread uses it), and traffic between them with timeouts. An address with
/// a colon is IPv6.
enum FirewallSockets {
    /// `ip:port` as a socket address, and its length.
    static func address(_ ip: String, _ port: UInt16) -> (sockaddr_storage, socklen_t) {
        var storage = sockaddr_storage()
        if ip.contains(":") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    address.pointee.sin6_family = sa_family_t(AF_INET6)
                    address.pointee.sin6_port = port.bigEndian
                    inet_pton(AF_INET6, ip, &address.pointee.sin6_addr)
                }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                address.pointee.sin_family = sa_family_t(AF_INET)
                address.pointee.sin_port = port.bigEndian
                inet_pton(AF_INET, ip, &address.pointee.sin_addr)
            }
        }
        return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
    }

    static func withSockaddr<T>(_ ip: String, _ port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var (storage, length) = address(ip, port)
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }

    static func socket(in namespace: String, _ type: __socket_type, ipv6: Bool = false) throws -> Int32 {
        let fd = try NetworkNamespace.perform(in: namespace) {
            Glibc.socket(ipv6 ? AF_INET6 : AF_INET, Int32(type.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        }
        guard fd >= 0 else { throw SwrunError.system("socket") }
        return fd
    }

    /// Binds every address of the socket's family (IPv6 only for an IPv6 socket).
    static func bind(_ fd: Int32, port: UInt16, ipv6: Bool = false) throws {
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let rc = withSockaddr(ipv6 ? "::" : "0.0.0.0", port) { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw SwrunError.system("bind :\(port)") }
    }

    /// A TCP listener on every address of `namespace` of one family, port `port`.
    static func listen(in namespace: String, port: UInt16, ipv6: Bool = false) throws -> Int32 {
        let fd = try socket(in: namespace, SOCK_STREAM, ipv6: ipv6)
        try bind(fd, port: port, ipv6: ipv6)
        guard Glibc.listen(fd, 16) == 0 else { throw SwrunError.system("listen") }
        return fd
    }

    /// Waits up to `milliseconds` for `events` on `fd`.
    static func wait(_ fd: Int32, _ events: Int16, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, milliseconds) == 1 && entry.revents & events != 0
    }

    /// The address of a peer as text.
    static func peer(_ address: sockaddr_storage) -> String {
        var address = address
        let family = Int32(address.ss_family)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        withUnsafePointer(to: &address) { raw in
            if family == AF_INET6 {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var bytes = v6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
                }
            } else {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var bytes = v4.pointee.sin_addr
                    inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count))
                }
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Connects from `namespace` to `ip:port` (one second to connect), and, when that
    /// works, has `listener` accept, send a greeting back, and checks it arrives.
    /// Returns the address the listener saw the connection come from, nil when the
    /// connection could not be made.
    static func reach(from namespace: String, _ ip: String, _ port: UInt16, listener: Int32) throws -> String? {
        let client = try socket(in: namespace, SOCK_STREAM, ipv6: ip.contains(":"))
        defer { close(client) }
        let rc = withSockaddr(ip, port) { connect(client, $0, $1) }
        guard rc == 0 || errno == EINPROGRESS, wait(client, Int16(POLLOUT), milliseconds: 1000) else { return nil }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(client, SOL_SOCKET, SO_ERROR, &failure, &length)
        guard failure == 0 else { return nil }

        guard wait(listener, Int16(POLLIN), milliseconds: 2000) else { throw SwrunError(.system, "connected to \(ip):\(port) but nothing to accept") }
        var from = sockaddr_storage()
        var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let server = withUnsafeMutablePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &fromLength) }
        }
        guard server >= 0 else { throw SwrunError.system("accept") }
        defer { close(server) }
        guard write(server, "hi", 2) == 2, wait(client, Int16(POLLIN), milliseconds: 2000) else {
            throw SwrunError(.system, "no greeting back from \(ip):\(port)")
        }
        var reply = [UInt8](repeating: 0, count: 8)
        guard read(client, &reply, reply.count) == 2, Array(reply.prefix(2)) == Array("hi".utf8) else {
            throw SwrunError(.system, "wrong greeting from \(ip):\(port)")
        }
        return peer(from)
    }

    /// Whether a connection from `namespace` to `ip:port` is refused at once (a reset
    /// within the second), rather than made or left unanswered.
    static func refused(from namespace: String, _ ip: String, _ port: UInt16) throws -> Bool {
        let client = try socket(in: namespace, SOCK_STREAM, ipv6: ip.contains(":"))
        defer { close(client) }
        let rc = withSockaddr(ip, port) { connect(client, $0, $1) }
        if rc != 0 && errno == ECONNREFUSED { return true }
        guard rc == 0 || errno == EINPROGRESS, wait(client, Int16(POLLOUT), milliseconds: 1000) else { return false }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(client, SOL_SOCKET, SO_ERROR, &failure, &length)
        return failure == ECONNREFUSED
    }

    /// A UDP round trip: `client` sends to `ip:port`, the server in `server` bound on
    /// `serverPort` answers whoever sent it. Returns the sender the server saw.
    static func udpExchange(server namespace: String, port serverPort: UInt16, client clientNamespace: String, _ ip: String, _ port: UInt16) throws -> String? {
        let ipv6 = ip.contains(":")
        let server = try socket(in: namespace, SOCK_DGRAM, ipv6: ipv6)
        defer { close(server) }
        try bind(server, port: serverPort, ipv6: ipv6)
        let client = try socket(in: clientNamespace, SOCK_DGRAM, ipv6: ipv6)
        defer { close(client) }
        let sent = withSockaddr(ip, port) { sendto(client, "ping", 4, 0, $0, $1) }
        guard sent == 4, wait(server, Int16(POLLIN), milliseconds: 2000) else { return nil }
        var from = sockaddr_storage()
        var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var buffer = [UInt8](repeating: 0, count: 16)
        let received = withUnsafeMutablePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(server, &buffer, buffer.count, 0, $0, &fromLength) }
        }
        guard received == 4 else { return nil }
        let answered = withUnsafePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(server, "pong", 4, 0, $0, fromLength) }
        }
        guard answered == 4, wait(client, Int16(POLLIN), milliseconds: 2000), recv(client, &buffer, buffer.count, 0) == 4 else { return nil }
        return peer(from)
    }
}
