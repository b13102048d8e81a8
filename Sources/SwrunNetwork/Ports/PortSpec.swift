import SwrunOS

/// docker's `-p`/`--publish` syntax (go-connections' nat.ParsePortSpec and the CLI's
/// long form), with its error words.
public enum PortSpec {
    /// Parses `[IP:][HOSTPORT[-END]:]CONTAINERPORT[-END][/PROTO]` (an IPv6 host IP in
    /// brackets) or the long form `published=8080,target=80[,protocol=udp]`. A container
    /// range maps onto a host range of the same length, port by port; a single container
    /// port with a host range takes one free port of that range.
    public static func parse(_ spec: String) throws -> [PortMapping] {
        let spec = try standardNotation(spec)
        var parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var rawContainer = parts.removeLast()
        let hostPortText = parts.popLast() ?? ""
        var ip = parts.joined(separator: ":")

        var proto = "tcp"
        let protoParts = rawContainer.split(separator: "/", omittingEmptySubsequences: false)
        if rawContainer.isEmpty || protoParts[0].isEmpty {
            rawContainer = ""
        } else {
            if protoParts.count > 1 && !protoParts[1].isEmpty { proto = String(protoParts[1]) }
            rawContainer = String(protoParts[0])
        }
        if ip.hasPrefix("[") {
            guard ip.hasSuffix("]") else { throw invalid("invalid IP address \(ip): missing ']' in address") }
            ip = String(ip.dropFirst().dropLast())
        }
        var hostIP = ""
        if !ip.isEmpty {
            guard let address = IPAddress(ip) else { throw invalid("invalid IP address: \(ip)") }
            hostIP = address.description
        }
        guard !rawContainer.isEmpty else { throw invalid("no port specified: \(spec)<empty>") }
        guard let container = range(rawContainer), container.lowerBound > 0 else {
            throw invalid("invalid containerPort: \(rawContainer)")
        }
        var host: ClosedRange<UInt16>?
        if !hostPortText.isEmpty {
            guard let parsed = range(hostPortText) else { throw invalid("invalid hostPort: \(hostPortText)") }
            host = parsed
        }
        if let host, host.count != container.count, container.count != 1 {
            throw invalid("invalid ranges specified for container and host Ports: \(rawContainer) and \(hostPortText)")
        }
        proto = proto.lowercased()
        guard proto == "tcp" || proto == "udp" else {
            if proto == "sctp" { throw SwrunError(.unsupported, "sctp ports are not supported") }
            throw invalid("invalid proto: \(proto)")
        }
        return container.enumerated().map { index, port in
            guard let host else { return PortMapping(hostIP: hostIP, containerPort: port, proto: proto) }
            if container.count == 1 && host.count > 1 {
                return PortMapping(hostIP: hostIP, hostPort: host.lowerBound, hostPortEnd: host.upperBound, containerPort: port, proto: proto)
            }
            return PortMapping(hostIP: hostIP, hostPort: host.lowerBound + UInt16(index), containerPort: port, proto: proto)
        }
    }

    /// A key of an image's ExposedPorts ("80/tcp", "53/udp", "8080"): one port and its protocol.
    public static func parseExposed(_ key: String) throws -> (port: UInt16, proto: String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
        guard parts.count <= 2, let port = UInt16(parts[0]), port > 0, proto == "tcp" || proto == "udp" else {
            throw invalid("invalid exposed port: \(key)")
        }
        return (port, proto)
    }

    /// The long form rewritten as the short one, as docker's CLI does first.
    private static func standardNotation(_ spec: String) throws -> String {
        guard spec.contains("=") else { return spec }
        var params = ["protocol": "tcp"]
        for param in spec.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                throw invalid("invalid publish opts format (should be name=value but got '\(param)')")
            }
            params[String(param[..<equals])] = String(param[param.index(after: equals)...])
        }
        return (params["published"] ?? "") + ":" + (params["target"] ?? "") + "/" + (params["protocol"] ?? "tcp")
    }

    /// "8000" or "8000-8010" (end not before start); nil otherwise.
    private static func range(_ text: String) -> ClosedRange<UInt16>? {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count <= 2, let start = port(bounds[0]) else { return nil }
        guard bounds.count == 2 else { return start...start }
        guard let end = port(bounds[1]), end >= start else { return nil }
        return start...end
    }

    private static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt16(text)
    }

    private static func invalid(_ message: String) -> SwrunError {
        SwrunError(.invalidArgument, message)
    }
}
