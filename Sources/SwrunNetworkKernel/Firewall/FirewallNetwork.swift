/// A network as the firewall sees it: its bridge, its subnet, and whether it is
/// internal (no route out: nothing forwarded between its bridge and any other interface).
public struct FirewallNetwork: Sendable, Hashable {
    /// The bridge interface ("swrun0", "swbr-0123456789").
    public var bridge: String
    /// The IPv4 subnet in CIDR notation ("172.17.0.0/16").
    public var subnet: String
    /// `network create --internal`: not masqueraded, isolated from every other interface.
    public var `internal`: Bool

    public init(bridge: String, subnet: String, internal: Bool = false) {
        self.bridge = bridge
        self.subnet = subnet
        self.internal = `internal`
    }
}
