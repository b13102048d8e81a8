import ArgumentParser
import SwrunRuntime

/// `run`'s network flags, docker's names.
struct NetworkFlags: ParsableArguments {
    @Option(name: [.long, .customLong("net")], help: "Connect to a network: bridge (default), NAME, none, host, container:NAME.")
    var network: String = ContainerOptions().network
    @Option(name: [.customShort("p"), .long], help: "Publish a container's port(s) to the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp].")
    var publish: [String] = []
    @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish all exposed ports to random host ports.")
    var publishAll = false
    @Option(name: .long, help: "IPv4 address (e.g., 172.30.100.104).")
    var ip: String?
    @Option(name: .long, help: "IPv6 address (e.g., 2001:db8::33).")
    var ip6: String?
    @Option(name: [.customLong("network-alias"), .customLong("net-alias")], help: "Add a network-scoped alias for the container.")
    var networkAlias: [String] = []
    @Option(name: .customLong("mac-address"), help: "Container MAC address (e.g., 92:d0:c6:0a:29:33).")
    var macAddress: String?
    @Option(name: .long, help: "Set custom DNS servers.")
    var dns: [String] = []
    @Option(name: .customLong("dns-search"), help: "Set custom DNS search domains.")
    var dnsSearch: [String] = []
    @Option(name: [.customLong("dns-option"), .customLong("dns-opt")], help: "Set DNS options.")
    var dnsOption: [String] = []
    @Option(name: .customLong("add-host"), help: "Add a custom host-to-IP mapping (host:ip).")
    var addHost: [String] = []

    func apply(to options: inout ContainerOptions) {
        options.network = network
        options.publish = publish
        options.publishAll = publishAll
        options.ip = ip
        options.ip6 = ip6
        options.networkAliases = networkAlias
        options.macAddress = macAddress
        options.dns = dns
        options.dnsSearch = dnsSearch
        options.dnsOptions = dnsOption
        options.addHosts = addHost
    }
}
