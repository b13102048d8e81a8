import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop one or more running containers.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("t"), .customLong("timeout"), .customLong("time")],
            help: "Seconds to wait before killing the container (-1 waits forever).")
    var timeout: Int?
    @Option(name: [.customShort("s"), .long], help: "Signal to send to the container (default: the image's, else SIGTERM).")
    var signal: String?
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        let explicit = try signal.map(Signals.number)
        try ContainerErrors.forEach(containers) { reference in
            let state = try runtime.containers.lookup(reference)
            try runtime.stop(state, timeout: timeout ?? state.stopTimeout, signal: try explicit ?? imageStopSignal(state))
            print(reference)
        }
    }

    /// The container's `--stop-signal`, else the image's `StopSignal`, else SIGTERM.
    private func imageStopSignal(_ state: ContainerState) throws -> Int32 {
        if let own = state.stopSignal { return try Signals.number(own) }
        guard let image = try? global.imageStore().resolve(state.imageID),
              let name = image.config.config?.stopSignal, !name.isEmpty else { return SIGTERM }
        return try Signals.number(name)
    }
}
