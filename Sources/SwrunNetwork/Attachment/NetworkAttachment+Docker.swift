/// How docker shows a container's network to its users.
extension PortMapping {
    /// "0.0.0.0:8080->80/tcp", as in `ps`'s PORTS column.
    public var dockerDescription: String {
        "\(hostIP.isEmpty ? "0.0.0.0" : hostIP):\(hostPort)->\(containerPort)/\(proto)"
    }

    /// "80/tcp", the key of `inspect`'s NetworkSettings.Ports and of `swrun port`.
    public var containerKey: String { "\(containerPort)/\(proto)" }
}

extension NetworkAttachment {
    /// `ps`'s PORTS column.
    public var portsColumn: String { ports.map(\.dockerDescription).joined(separator: ", ") }
}
