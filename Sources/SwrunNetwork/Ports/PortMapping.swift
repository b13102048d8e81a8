/// A published port: the host's `hostIP:hostPort` forwards to the container's
/// `containerPort`, for one protocol.
public struct PortMapping: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The host address to listen on; "" means every address, of both families.
    public var hostIP: String
    /// 0 asks for any free port (`-p 80`, `-P`).
    public var hostPort: UInt16
    /// With `hostPort`, a range to pick one free port from (`-p 8000-8010:80`); nil for one port.
    public var hostPortEnd: UInt16?
    public var containerPort: UInt16
    /// "tcp" or "udp".
    public var proto: String

    public init(hostIP: String = "", hostPort: UInt16 = 0, hostPortEnd: UInt16? = nil, containerPort: UInt16, proto: String = "tcp") {
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.hostPortEnd = hostPortEnd
        self.containerPort = containerPort
        self.proto = proto
    }

    /// Whether the host side is every address (of one family or of both).
    public var listensEverywhere: Bool { hostIP.isEmpty || hostIP == "0.0.0.0" || hostIP == "::" }

    /// How docker writes the host side in its messages: "0.0.0.0:8080", "[::1]:8080".
    public var hostEndpoint: String { Self.endpoint(hostIP, hostPort) }

    static func endpoint(_ hostIP: String, _ port: UInt16) -> String {
        let host = hostIP.isEmpty ? "0.0.0.0" : hostIP
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + String(port)
    }

    /// docker's `port` and `ps` form: "0.0.0.0:8080->80/tcp".
    public var description: String {
        let range = hostPortEnd.map { $0 != hostPort ? "-" + String($0) : "" } ?? ""
        return hostEndpoint + range + "->" + String(containerPort) + "/" + proto
    }
}
