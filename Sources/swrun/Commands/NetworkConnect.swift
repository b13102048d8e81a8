import ArgumentParser
import SwrunNetwork
import SwrunRuntime

/// `swrun network connect [--ip] [--alias]… NETWORK CONTAINER`.
struct NetworkConnect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect", abstract: "Connect a container to a network.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "IPv4 address (e.g., 172.30.100.104).")
    var ip: String?
    @Option(name: .long, help: "Add network-scoped alias for the container.")
    var alias: [String] = []
    @Argument(help: "The network.")
    var network: String
    @Argument(help: "The container.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let state = try runtime.containers.lookup(container)
        try runtime.connect(state, endpoint: EndpointRequest(network: network, ipv4: ip, aliases: alias))
    }
}

/// `swrun network disconnect [-f] NETWORK CONTAINER`.
struct NetworkDisconnect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disconnect", abstract: "Disconnect a container from a network.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Force the container to disconnect from a network.")
    var force = false
    @Argument(help: "The network.")
    var network: String
    @Argument(help: "The container.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let state = try runtime.containers.lookup(container)
        try runtime.disconnect(state, from: network)
    }
}
