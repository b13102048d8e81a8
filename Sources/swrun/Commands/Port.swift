import ArgumentParser
import Foundation
import SwrunNetwork
import SwrunRuntime

/// `swrun port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports.
struct Port: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", abstract: "List port mappings or a specific mapping for the container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String
    @Argument(help: "PRIVATE_PORT[/PROTO]: show only this port's mappings.")
    var privatePort: String?

    mutating func run() throws {
        let runtime = try global.runtime()
        let state = try runtime.containers.lookup(container)
        let ports = state.isRunning ? (try runtime.networkAttachment(of: state.id)?.ports ?? []) : []
        guard let privatePort else {
            for mapping in ports { print("\(mapping.containerKey) -> \(mapping.hostIP.isEmpty ? "0.0.0.0" : mapping.hostIP):\(mapping.hostPort)") }
            return
        }
        let key = privatePort.contains("/") ? privatePort : privatePort + "/tcp"
        let matching = ports.filter { $0.containerKey == key }
        guard !matching.isEmpty else {
            throw CommandFailure(message: "No public port '\(key)' published for \(state.name)", exitCode: 1)
        }
        for mapping in matching { print("\(mapping.hostIP.isEmpty ? "0.0.0.0" : mapping.hostIP):\(mapping.hostPort)") }
    }
}
