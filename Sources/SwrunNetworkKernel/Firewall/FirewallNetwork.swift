/// A network as the firewall sees it in one address family: its bridge, its subnet,
/// and whether it is internal (no route out: nothing forwarded between its bridge and
/// any other interface). An IPv6 network is two of them on one bridge, one per family.
public struct FirewallNetwork: Sendable, Hashable {
    /// The bridge interface ("swrun0", "swbr-0123456789").
    public var bridge: String
    /// The subnet in CIDR notation, IPv4 ("172.17.0.0/16") or IPv6 ("fd00:1::/64"):
    /// its family picks the table (`ip swrun`, `ip6 swrun`).
    public var subnet: String
    /// `network create --internal`: not masqueraded, isolated from every other interface.
    public var `internal`: Bool

    public init(bridge: String, subnet: String, internal: Bool = false) {
        self.bridge = bridge
        self.subnet = subnet
        self.internal = `internal`
    }
}
