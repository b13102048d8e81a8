/// One published port in one address family: traffic to `hostIP:hostPort` (every local
/// address of the family when `hostIP` is nil, 0.0.0.0 or ::) goes to
/// `containerIP:containerPort`. The container's address picks the table.
public struct FirewallPort: Sendable, Hashable {
    /// "tcp" or "udp".
    public var proto: String
    /// The host address the port answers on, of the container address's family; nil
    /// (or "0.0.0.0", "::") for every local address.
    public var hostIP: String?
    public var hostPort: UInt16
    public var containerIP: String
    public var containerPort: UInt16

    public init(proto: String = "tcp", hostIP: String? = nil, hostPort: UInt16, containerIP: String, containerPort: UInt16) {
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerIP = containerIP
        self.containerPort = containerPort
    }
}
