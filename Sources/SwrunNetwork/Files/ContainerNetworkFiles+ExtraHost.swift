import SwrunOS

extension ContainerNetworkFiles {
    /// docker's name for the host's address in `--add-host NAME:host-gateway`.
    public static let hostGatewayName = "host-gateway"

    /// One `--add-host` value, as docker's CLI accepts it: `NAME:IP` or `NAME=IP`, split
    /// at the first `=` if there is one, else at the first `:` (so `NAME:::1` is IPv6);
    /// the address may be in brackets (`NAME:[::1]`); `host-gateway` is `hostGateway`.
    /// The address comes back as docker writes it in /etc/hosts (`0:0::1` → `::1`).
    /// Errors read as docker's flag errors.
    public static func parseExtraHost(_ text: String, hostGateway: String?) throws -> HostEntry {
        func invalid(_ why: String) -> SwrunError {
            SwrunError(.invalidArgument, "invalid argument \"\(text)\" for \"--add-host\" flag: \(why)")
        }
        let separator = text.firstIndex(of: "=") ?? text.firstIndex(of: ":")
        guard let separator else { throw invalid("bad format for add-host: \"\(text)\"") }
        let name = String(text[..<separator])
        var value = text[text.index(after: separator)...]
        guard !name.isEmpty, !name.contains(":") else { throw invalid("bad format for add-host: \"\(text)\"") }
        if value == hostGatewayName {
            guard let hostGateway else {
                throw SwrunError(.invalidArgument, "unable to derive the IP value for host-gateway")
            }
            return HostEntry(name: name, address: hostGateway)
        }
        if value.count > 2 && value.hasPrefix("[") && value.hasSuffix("]") { value = value.dropFirst().dropLast() }
        // The CLI refuses zones (Go's net.ParseIP) where the daemon would take them.
        guard let address = NetworkFileAddress(String(value)), address.zone.isEmpty else {
            throw invalid("invalid IP address in add-host: \"\(value)\"")
        }
        return HostEntry(name: name, address: address.text)
    }
}
