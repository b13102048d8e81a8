import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart one or more containers.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("t"), .customLong("timeout"), .customLong("time")],
            help: "Seconds to wait before killing the container.")
    var timeout: Int?
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        try ContainerErrors.forEach(containers) { reference in
            let state = try runtime.containers.lookup(reference)
            try runtime.stop(state, timeout: timeout ?? state.stopTimeout, signal: try state.stopSignal.map(Signals.number) ?? SIGTERM)
            // The monitor of the old run must be done before the new one starts.
            runtime.awaitMonitor(of: state, seconds: 10)
            _ = try runtime.start(try runtime.containers.lookup(state.id), detach: true, attach: AttachOptions())
            print(reference)
        }
    }
}
