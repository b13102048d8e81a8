import FoundationEssentials

/// What a container asks of the network, from `run`'s flags. Kept in the container's
/// directory so `start` sets the same network up again.
public struct NetworkRequest: Codable, Sendable, Equatable {
    public var containerID: String
    public var containerName: String
    public var hostname: String
    /// One per network, in order: the first gets `eth0` and the default route.
    public var endpoints: [EndpointRequest]
    /// `-p` mappings (host port 0: pick one); they go to the first network's address.
    public var ports: [PortMapping]

    public init(containerID: String, containerName: String, hostname: String, endpoints: [EndpointRequest], ports: [PortMapping]) {
        self.containerID = containerID
        self.containerName = containerName
        self.hostname = hostname
        self.endpoints = endpoints
        self.ports = ports
    }
}

/// The container on one network: `--network`, `--ip`, `--ip6`, `--network-alias`, `--mac-address`.
public struct EndpointRequest: Codable, Sendable, Equatable {
    public var network: String
    public var ipv4: String?
    public var ipv6: String?
    public var aliases: [String]
    public var mac: String?

    public init(network: String, ipv4: String? = nil, ipv6: String? = nil, aliases: [String] = [], mac: String? = nil) {
        self.network = network
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.aliases = aliases
        self.mac = mac
    }
}
