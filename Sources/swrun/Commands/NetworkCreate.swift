import ArgumentParser
import SwrunNetwork
import SwrunRuntime

struct NetworkCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a network.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("d"), .long], help: "Driver to manage the network (bridge).")
    var driver = "bridge"
    @Option(name: .long, help: "Subnet in CIDR format (repeatable, or comma-separated).")
    var subnet: [String] = []
    @Option(name: .long, help: "IPv4 or IPv6 gateway of a subnet.")
    var gateway: [String] = []
    @Option(name: .customLong("ip-range"), help: "Give containers addresses from this part of a subnet.")
    var ipRange: [String] = []
    @Flag(name: .long, help: "Restrict external access to the network.")
    var `internal` = false
    @Flag(name: .long, help: "Give containers IPv6 addresses too.")
    var ipv6 = false
    @Option(name: .long, help: "Set metadata on the network (KEY[=VALUE]).")
    var label: [String] = []
    @Option(name: [.customShort("o"), .customLong("opt")], help: "Driver options (com.docker.network.bridge.name=NAME).")
    var opt: [String] = []
    @Argument(help: "The network's name.")
    var name: String

    mutating func run() throws {
        // docker reads these flags as slices: one value may list several, comma-separated.
        func split(_ values: [String]) -> [String] { values.flatMap { $0.split(separator: ",").map(String.init) } }
        let request = NetworkCreateRequest(
            name: name, driver: driver, subnets: split(subnet), gateways: split(gateway), ipRanges: split(ipRange),
            internal: `internal`, ipv6: ipv6, labels: try KeyValueOptions.parse(label, flag: "label"),
            options: try KeyValueOptions.parse(opt, flag: "opt"))
        let network = try global.networkStore().create(request)
        // Its bridge and firewall elements exist from now on, as docker's do.
        try global.runtime().bringUpNetwork(network)
        print(network.id)
    }
}
