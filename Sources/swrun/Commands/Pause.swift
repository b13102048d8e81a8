import ArgumentParser
import Foundation
import SwrunRuntime

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause all processes within one or more containers.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        try ContainerErrors.forEach(containers) { reference in
            try runtime.pause(try runtime.containers.lookup(reference))
            print(reference)
        }
    }
}
