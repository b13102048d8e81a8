import FoundationEssentials

/// One subnet of a network: its block, the bridge's address in it, and the part
/// containers are given addresses from.
public struct SubnetConfig: Codable, Sendable, Equatable {
    public var subnet: IPNetwork
    public var gateway: IPAddress
    /// Where automatic addresses come from (`--ip-range`); nil for the whole subnet.
    public var ipRange: IPNetwork?
    /// Whether the user chose the subnet (`--subnet`) rather than swrun picking it from
    /// its pools: as in docker, only then may a container ask for an address (`--ip`).
    public var userConfigured: Bool

    public init(subnet: IPNetwork, gateway: IPAddress, ipRange: IPNetwork? = nil, userConfigured: Bool) {
        self.subnet = subnet
        self.gateway = gateway
        self.ipRange = ipRange
        self.userConfigured = userConfigured
    }
}

/// A network as the store records it (`<root>/networks/<id>/config.json`).
public struct NetworkConfig: Codable, Sendable, Equatable {
    /// 64 hex digits.
    public var id: String
    public var name: String
    /// "bridge"; the predefined `host` and `none` have docker's "host" and "null".
    public var driver: String
    /// The host's bridge interface ("swrun0", "swbr-" + 10 hex of the ID); "" without one.
    public var bridgeName: String
    public var subnets: [SubnetConfig]
    /// No route out (`--internal`).
    public var `internal`: Bool
    public var enableIPv6: Bool
    /// Whether containers resolve each other's names: user networks yes, the default bridge no.
    public var dnsEnabled: Bool
    public var labels: [String: String]
    /// Driver options as given (`-o`), docker's for the default bridge.
    public var options: [String: String]
    public var created: Date

    public init(
        id: String, name: String, driver: String, bridgeName: String, subnets: [SubnetConfig],
        internal: Bool = false, enableIPv6: Bool = false, dnsEnabled: Bool, labels: [String: String] = [:],
        options: [String: String] = [:], created: Date
    ) {
        self.id = id
        self.name = name
        self.driver = driver
        self.bridgeName = bridgeName
        self.subnets = subnets
        self.internal = `internal`
        self.enableIPv6 = enableIPv6
        self.dnsEnabled = dnsEnabled
        self.labels = labels
        self.options = options
        self.created = created
    }

    /// The first 12 hex digits, as listings show the ID.
    public var shortID: String { String(id.prefix(12)) }

    /// `bridge`, `host` and `none`: made by swrun, never removed.
    public var isPredefined: Bool { NetworkStore.predefinedNames.contains(name) }

    /// The subnets of one family, in the order they were configured.
    public func subnets(of family: IPFamily) -> [SubnetConfig] {
        subnets.filter { $0.subnet.family == family }
    }

    /// The families containers get an address of on this network: IPv4 where it has an
    /// IPv4 subnet, IPv6 where it is enabled and has an IPv6 subnet.
    public var addressFamilies: [IPFamily] {
        IPFamily.allCases.filter { family in
            (family == .v4 || enableIPv6) && subnets.contains { $0.subnet.family == family }
        }
    }
}

/// What `network create` asks for, as the user wrote it: the store validates and
/// completes it in docker's words.
public struct NetworkCreateRequest: Sendable {
    public var name: String
    public var driver: String
    public var subnets: [String]
    public var gateways: [String]
    public var ipRanges: [String]
    public var `internal`: Bool
    public var ipv6: Bool
    public var labels: [String: String]
    /// Driver options (`-o`), `com.docker.network.bridge.name` among them.
    public var options: [String: String]

    public init(
        name: String, driver: String = "bridge", subnets: [String] = [], gateways: [String] = [],
        ipRanges: [String] = [], internal: Bool = false, ipv6: Bool = false, labels: [String: String] = [:],
        options: [String: String] = [:]
    ) {
        self.name = name
        self.driver = driver
        self.subnets = subnets
        self.gateways = gateways
        self.ipRanges = ipRanges
        self.internal = `internal`
        self.ipv6 = ipv6
        self.labels = labels
        self.options = options
    }
}
