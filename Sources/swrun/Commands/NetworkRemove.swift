import ArgumentParser
import Foundation
import SwrunOS

struct NetworkRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove one or more networks.", aliases: ["remove"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Do not error if the network does not exist.")
    var force = false
    @Argument(help: "Networks: names, IDs or unique ID prefixes.")
    var networks: [String]

    mutating func run() throws {
        let store = global.networkStore()
        let runtime = try global.runtime()
        var failed = false
        for reference in networks {
            do {
                let network = try store.lookup(reference)
                // swrun-net removes the bridge and its firewall elements, then the record.
                try runtime.removeNetwork(network.id)
                print(reference)
            } catch let error as SwrunError {
                if force && error.code == .notFound { continue }
                FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
