import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Kill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Kill one or more running containers.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("s"), .long], help: "Signal to send: a name (KILL, SIGUSR1) or a number.")
    var signal = "KILL"
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        let number = try Signals.number(signal)
        try ContainerErrors.forEach(containers) { reference in
            let state = try runtime.containers.lookup(reference)
            do {
                try runtime.kill(state, signal: number)
            } catch let error as SwrunError {
                throw SwrunError(error.code, "Cannot kill container: \(reference)", cause: error)
            }
            print(reference)
        }
    }
}
