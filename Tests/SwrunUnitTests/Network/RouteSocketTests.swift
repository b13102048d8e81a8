import Foundation
import SwrunNetworkKernel
import SwrunOS
import Testing

/// Links, addresses and routes on the real kernel, as root. Every test makes a "host"
/// and a "container" namespace of its own and never touches the one it runs in; the
/// addresses are private ones inside those namespaces (10.99.0.0/24, fd99::/64).
@Suite("RouteSocket on the kernel, in namespaces of its own", .serialized)
struct RouteSocketTests {
    static let bridge = "swtest0"
    static let port = "swtest0abcd1"
    static let containerMAC = "02:42:0a:63:00:02"

    /// Two namespaces pinned under a temporary directory.
    final class Namespaces {
        let directory: String
        let host: String
        let container: String

        init() throws {
            var template = Array("/tmp/swrun-links-XXXXXX".utf8CString)
            guard mkdtemp(&template) != nil else { throw SwrunError.system("mkdtemp") }
            directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            host = directory + "/host"
            container = directory + "/container"
            try NetworkNamespace.create(at: host)
            try NetworkNamespace.create(at: container)
        }

        func remove() {
            try? NetworkNamespace.remove(at: host)
            try? NetworkNamespace.remove(at: container)
            rmdir(directory)
        }
    }

    /// The exit status and output of `command` run inside the namespace at `namespace`.
    static func run(in namespace: String, _ command: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=" + namespace] + command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// A bridge with 10.99.0.1/24 and fd99::1/64 in the host namespace, and a veth pair
    /// from it to eth0 in the container namespace.
    static func attach(_ namespaces: Namespaces) throws -> (host: RouteSocket, container: RouteSocket) {
        let host = try RouteSocket(namespace: namespaces.host)
        try host.ensureBridge(bridge, address: ["10.99.0.1/24", "fd99::1/64"], mtu: nil)
        try host.createVeth(hostName: port, peerName: "eth0", peerNamespace: namespaces.container, bridge: bridge, mac: containerMAC)
        return (host, try RouteSocket(namespace: namespaces.container))
    }

    /// The container's side as swrun sets it up: address, lo and eth0 up, default route.
    static func configureContainer(_ container: RouteSocket) throws {
        try container.addAddress("10.99.0.2/24", to: "eth0")
        try container.setUp("lo")
        try container.setUp("eth0")
        try container.addDefaultRoute(via: "10.99.0.1")
    }

    @Test func ensureBridgeIsIdempotentAndKeepsItsMAC() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let host = try RouteSocket(namespace: namespaces.host)
        #expect(try !host.linkExists(Self.bridge))

        try host.ensureBridge(Self.bridge, address: ["10.99.0.1/24", "fd99::1/64"], mtu: 1400)
        let mac = try host.macAddress(of: Self.bridge)
        try host.ensureBridge(Self.bridge, address: ["10.99.0.1/24", "fd99::1/64"], mtu: 1400)
        #expect(try host.linkExists(Self.bridge))
        #expect(try host.linkNames().filter { $0 == Self.bridge }.count == 1)
        let addresses = try host.addresses(of: Self.bridge)
        #expect(addresses.filter { $0 == "10.99.0.1/24" }.count == 1)
        #expect(addresses.filter { $0 == "fd99::1/64" }.count == 1)
        let link = try Self.run(in: namespaces.host, ["ip", "-o", "link", "show", Self.bridge]).output
        #expect(link.contains("mtu 1400"))
        #expect(link.contains(",UP"))
        #expect(try Self.run(in: namespaces.host, ["ip", "-4", "-o", "addr", "show", Self.bridge]).output.contains("brd 10.99.0.255"))

        // A second address and a new MTU on the existing bridge; a port does not change its MAC.
        try host.ensureBridge(Self.bridge, address: ["10.99.0.1/24", "10.98.0.1/24"], mtu: 1450)
        #expect(try host.addresses(of: Self.bridge).contains("10.98.0.1/24"))
        #expect(try Self.run(in: namespaces.host, ["ip", "-o", "link", "show", Self.bridge]).output.contains("mtu 1450"))
        try host.createVeth(hostName: Self.port, peerName: "eth0", peerNamespace: namespaces.container, bridge: Self.bridge, mac: nil)
        #expect(try host.macAddress(of: Self.bridge) == mac)
        #expect(mac.count == 17)
    }

    @Test func vethPeerLandsInTheOtherNamespaceAsEth0() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let (host, container) = try Self.attach(namespaces)

        #expect(try container.linkNames().sorted() == ["eth0", "lo"])
        #expect(try container.macAddress(of: "eth0") == Self.containerMAC)
        #expect(try host.linkExists(Self.port))
        #expect(try !host.linkExists("eth0"))
        let port = try Self.run(in: namespaces.host, ["ip", "-d", "-o", "link", "show", Self.port]).output
        #expect(port.contains("master \(Self.bridge)"))
        #expect(port.contains("hairpin on"))
        #expect(port.contains(",UP"))
        #expect(try !Self.run(in: namespaces.container, ["ip", "-o", "link", "show", "eth0"]).output.contains(",UP"))
    }

    @Test func addressesAndDefaultRoutesV4AndV6() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let (_, container) = try Self.attach(namespaces)
        try Self.configureContainer(container)
        try container.addAddress("fd99::2/64", to: "eth0")
        try container.addDefaultRoute(via: "fd99::1")

        let addresses = try container.addresses(of: "eth0")
        #expect(addresses.contains("10.99.0.2/24"))
        #expect(addresses.contains("fd99::2/64"))
        #expect(try container.addresses(of: "lo").contains("127.0.0.1/8"))
        let v4 = try Self.run(in: namespaces.container, ["ip", "-4", "route", "show", "default"]).output
        #expect(v4.contains("default via 10.99.0.1 dev eth0"))
        let v6 = try Self.run(in: namespaces.container, ["ip", "-6", "route", "show", "default"]).output
        #expect(v6.contains("default via fd99::1 dev eth0"))
        let v6Addresses = try Self.run(in: namespaces.container, ["ip", "-6", "-o", "addr", "show", "dev", "eth0"]).output
        let ours = v6Addresses.split(separator: "\n").filter { $0.contains("fd99::2/64") }
        #expect(ours.count == 1 && !ours[0].contains("tentative"), "\(v6Addresses)")
    }

    @Test func theContainerReachesTheGatewayAndBack() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let (_, container) = try Self.attach(namespaces)
        try Self.configureContainer(container)
        try container.addAddress("fd99::2/64", to: "eth0")

        let toGateway = try Self.run(in: namespaces.container, ["busybox", "ping", "-c1", "-W2", "10.99.0.1"])
        #expect(toGateway.status == 0, "\(toGateway.output)")
        let toContainer = try Self.run(in: namespaces.host, ["busybox", "ping", "-c1", "-W2", "10.99.0.2"])
        #expect(toContainer.status == 0, "\(toContainer.output)")
        let overV6 = try Self.run(in: namespaces.container, ["busybox", "ping", "-6", "-c1", "-W2", "fd99::1"])
        #expect(overV6.status == 0, "\(overV6.output)")
    }

    @Test func deletingTheHostEndRemovesThePairAndMissingLinksAreFine() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let (host, container) = try Self.attach(namespaces)

        try host.deleteLink(Self.port)
        #expect(try !host.linkExists(Self.port))
        #expect(try container.linkNames() == ["lo"])
        try host.deleteLink(Self.port)
        try host.deleteLink("nosuch0")
        try host.deleteLink(Self.bridge)
        #expect(try host.linkNames() == ["lo"])
    }

    @Test func errorsAreOneLineNamingTheStepAndTheLink() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let (host, container) = try Self.attach(namespaces)

        let twice = #expect(throws: SwrunError.self) {
            try host.createVeth(hostName: Self.port, peerName: "eth1", peerNamespace: namespaces.container, bridge: Self.bridge, mac: nil)
        }
        #expect(twice?.message == "create veth \(Self.port): File exists")
        #expect(twice?.code == .alreadyExists)
        let noBridge = #expect(throws: SwrunError.self) {
            try host.createVeth(hostName: "swtest1", peerName: "eth1", peerNamespace: namespaces.container, bridge: "nosuch0", mac: nil)
        }
        #expect(noBridge?.message == "create veth swtest1: bridge nosuch0: No such device")
        #expect(try !host.linkExists("swtest1"))

        let noLink = #expect(throws: SwrunError.self) { try container.addAddress("10.99.0.9/24", to: "eth9") }
        #expect(noLink?.message == "add address 10.99.0.9/24 to eth9: No such device")
        #expect(noLink?.code == .notFound)
        try container.addAddress("10.99.0.2/24", to: "eth0")
        let duplicate = #expect(throws: SwrunError.self) { try container.addAddress("10.99.0.2/24", to: "eth0") }
        // The kernel's extended ack adds its words: "File exists (ipv4: Address already assigned)".
        #expect(duplicate?.message.hasPrefix("add address 10.99.0.2/24 to eth0: File exists") == true)
        let malformed = #expect(throws: SwrunError.self) { try container.addAddress("10.99.0.300/24", to: "eth0") }
        #expect(malformed?.message == "invalid CIDR address: 10.99.0.300/24")
        let badMAC = #expect(throws: SwrunError.self) {
            try host.createVeth(hostName: "swtest1", peerName: "eth1", peerNamespace: namespaces.container, bridge: Self.bridge, mac: "02:42:0a")
        }
        #expect(badMAC?.code == .invalidArgument)

        // eth0 is down: no route reaches the gateway. The kernel adds its own words.
        let unreachable = #expect(throws: SwrunError.self) { try container.addDefaultRoute(via: "10.99.0.1") }
        let line = try #require(unreachable?.message)
        #expect(line.hasPrefix("add default route via 10.99.0.1: Network is unreachable"))
        #expect(!line.contains("\n"))
        let upMissing = #expect(throws: SwrunError.self) { try container.setUp("eth9") }
        #expect(upMissing?.message == "set eth9 up: No such device")
    }

    @Test func sysctlReadsAndWritesTheThreadsNamespace() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let ours = try Sysctl.get("net/ipv4/ip_forward")
        try NetworkNamespace.perform(in: namespaces.host) {
            try Sysctl.set("net/ipv4/ip_forward", "1")
            #expect(try Sysctl.get("net/ipv4/ip_forward") == "1")
        }
        #expect(try NetworkNamespace.perform(in: namespaces.container) { try Sysctl.get("net/ipv4/ip_forward") } == "0")
        #expect(try Sysctl.get("net/ipv4/ip_forward") == ours)

        let escape = #expect(throws: SwrunError.self) { try Sysctl.get("net/../kernel/hostname") }
        #expect(escape?.code == .invalidArgument)
        let missing = #expect(throws: SwrunError.self) { try Sysctl.get("net/ipv4/nosuch") }
        #expect(missing?.message == "sysctl net/ipv4/nosuch: no such kernel parameter")
        #expect(missing?.code == .notFound)
    }

    /// A container's whole setup with the bridge in place: the container's socket, the
    /// veth pair into its namespace, its address, lo and eth0 up, the default route.
    @Test func twentyContainersShareOneBridge() throws {
        let namespaces = try Namespaces()
        defer { namespaces.remove() }
        let host = try RouteSocket(namespace: namespaces.host)
        try host.ensureBridge(Self.bridge, address: ["10.99.0.1/24"], mtu: nil)
        var containers: [String] = []
        defer { for path in containers { try? NetworkNamespace.remove(at: path) } }
        for index in 0..<20 {
            let path = namespaces.directory + "/c\(index)"
            try NetworkNamespace.create(at: path)
            containers.append(path)
            try host.createVeth(hostName: "swv\(index)", peerName: "eth0", peerNamespace: path, bridge: Self.bridge, mac: nil)
            let container = try RouteSocket(namespace: path)
            try container.addAddress("10.99.0.\(index + 2)/24", to: "eth0")
            try container.setUp("lo")
            try container.setUp("eth0")
            try container.addDefaultRoute(via: "10.99.0.1")
        }
        // Timings are measured by scripts/bench, never asserted here.
        #expect(try host.linkNames().filter { $0.hasPrefix("swv") }.count == 20)
        let last = try RouteSocket(namespace: containers[19])
        #expect(try last.addresses(of: "eth0").contains("10.99.0.21/24"))
    }
}
