import FoundationEssentials
import SwrunOS

/// What swrun-net set up for a container: its namespace, one endpoint per network and
/// the published ports. Written before the first kernel change and after each step, so
/// `detach` finds everything to undo even after a crash half-way.
public struct NetworkAttachment: Codable, Sendable, Equatable {
    public var containerID: String
    /// The network namespace, pinned by a bind mount; the container joins it by path.
    public var namespacePath: String
    public var endpoints: [Endpoint]
    /// Published ports with their host ports resolved.
    public var ports: [PortMapping]
    /// False until every step succeeded.
    public var complete: Bool

    public init(containerID: String, namespacePath: String) {
        self.containerID = containerID
        self.namespacePath = namespacePath
        self.endpoints = []
        self.ports = []
        self.complete = false
    }

    /// The first network's address, which published ports lead to.
    public var primaryAddress: String? { endpoints.first.map(\.address) }
}

/// The container on one network.
public struct Endpoint: Codable, Sendable, Equatable {
    public var networkID: String
    public var networkName: String
    public var bridge: String
    /// `eth0`, `eth1`, … inside the container; the host end of the veth.
    public var interface: String
    public var hostInterface: String
    /// The IPv4 address and the subnet's prefix length.
    public var address: String
    public var prefixLength: Int
    public var gateway: String
    public var mac: String
    public var aliases: [String]
    /// The network's DNS server (aardvark-dns on the gateway), nil on the default bridge.
    public var dnsServer: String?
    /// On an IPv6 network (`--ipv6`): the container's IPv6 address, its prefix length
    /// and the gateway.
    public var ipv6Address: String?
    public var ipv6PrefixLength: Int?
    public var ipv6Gateway: String?

    public init(networkID: String, networkName: String, bridge: String, interface: String, hostInterface: String,
                address: String, prefixLength: Int, gateway: String, mac: String, aliases: [String], dnsServer: String?) {
        self.networkID = networkID
        self.networkName = networkName
        self.bridge = bridge
        self.interface = interface
        self.hostInterface = hostInterface
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.mac = mac
        self.aliases = aliases
        self.dnsServer = dnsServer
    }
}

/// Where a store keeps its network runtime state: `<root>/network/`.
public struct NetworkPaths: Sendable {
    public let directory: String

    public init(root: String) { directory = root + "/network" }

    public var namespaces: String { directory + "/ns" }
    public var attachments: String { directory + "/attachments" }
    public var aardvark: String { directory + "/aardvark" }
    /// Held while attaching or detaching: bridges and firewall tables are shared.
    public var lock: String { directory + "/lock" }

    public func namespace(of containerID: String) -> String { namespaces + "/" + containerID }
    public func attachment(of containerID: String) -> String { attachments + "/" + containerID + ".json" }

    /// The container's attachment record, nil when it has none.
    public func readAttachment(of containerID: String) throws -> NetworkAttachment? {
        let path = attachment(of: containerID)
        guard FileIO.exists(path) else { return nil }
        return try JSONDecoder().decode(NetworkAttachment.self, from: Data(try FileIO.readFile(path)))
    }

    public func write(_ attachment: NetworkAttachment) throws {
        let bytes = Array(try JSONEncoder().encode(attachment))
        // Renamed into place, not fsynced: what it describes (links, rules) ends with the
        // host anyway, and a record a crash loses names nothing that outlived it.
        try FileIO.writeDurably(at: self.attachment(of: attachment.containerID), bytes: bytes, mode: 0o600, durability: .atomic)
    }
}

/// docker's MAC for an IPv4 address: 02:42 and the address's four bytes.
public func dockerMAC(forIPv4 address: String) -> String {
    let parts = address.split(separator: ".").compactMap { UInt8($0) }
    guard parts.count == 4 else { return "02:42:00:00:00:00" }
    return (["02", "42"] + parts.map { byte in
        let hex = String(byte, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
    }).joined(separator: ":")
}
