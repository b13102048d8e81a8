import ArgumentParser
import Foundation
import SwrunRuntime

struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Block until one or more containers stop, then print their exit codes.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        try ContainerErrors.forEach(containers) { reference in
            let state = try runtime.containers.lookup(reference)
            print(try runtime.wait(state))
            fflush(nil)
        }
    }
}
