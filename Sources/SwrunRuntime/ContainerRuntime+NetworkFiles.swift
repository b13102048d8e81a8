import FoundationEssentials
import SwrunNetwork
import SwrunOS

/// `--dns`, `--dns-search`, `--dns-option`, `--add-host`: kept in the container's
/// directory, since `start` writes /etc/hosts and /etc/resolv.conf anew.
struct NetworkFileOptions: Codable, Equatable {
    var dns: [String] = []
    var dnsSearch: [String] = []
    var dnsOptions: [String] = []
    var addHosts: [String] = []

    init(_ options: ContainerOptions) {
        dns = options.dns
        dnsSearch = options.dnsSearch
        dnsOptions = options.dnsOptions
        addHosts = options.addHosts
    }

    init() {}

    var isEmpty: Bool { self == NetworkFileOptions() }
}

extension ContainerRuntime {
    func storedNetworkOptions(of id: String) throws -> NetworkFileOptions {
        let path = containers.path(of: id) + "/network-options.json"
        guard FileIO.exists(path) else { return NetworkFileOptions() }
        return try JSONDecoder().decode(NetworkFileOptions.self, from: Data(try FileIO.readFile(path)))
    }

    /// The container's /etc/hosts and /etc/resolv.conf as docker writes them: its own
    /// addresses (loopback without a network), `--add-host` entries, and the host's
    /// resolvers or, on a user network, the network's DNS server.
    func writeNetworkFiles(_ layout: ContainerFilesystemLayout, hostname: String, request: NetworkFileOptions,
                           attachment: NetworkAttachment?) throws {
        let gateway = attachment?.endpoints.first?.gateway
        let extraHosts = try request.addHosts.map { try ContainerNetworkFiles.parseExtraHost($0, hostGateway: gateway) }
        let addresses = attachment.map { $0.endpoints.flatMap { [$0.address] + ($0.ipv6Address.map { [$0] } ?? []) } } ?? ["127.0.0.1"]
        let hosts = ContainerNetworkFiles.hosts(hostname: hostname, addresses: addresses, aliases: [], extraHosts: extraHosts)
        try FileIO.writeFile(layout.runtimeFile("hosts"), hosts)
        let resolv = ContainerNetworkFiles.resolvConf(
            hostFile: (try? FileIO.readString("/etc/resolv.conf")) ?? "", dns: request.dns, search: request.dnsSearch,
            options: request.dnsOptions, embeddedDNS: attachment?.endpoints.first?.dnsServer,
            ipv6: attachment?.endpoints.first?.ipv6Address != nil)
        try FileIO.writeFile(layout.runtimeFile("resolv.conf"), resolv)
    }
}
