import ArgumentParser
import Foundation
import SwrunRuntime

struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String
    @Argument(help: "The new name.")
    var newName: String

    mutating func run() throws {
        let runtime = try global.runtime()
        _ = try ContainerErrors.exitingOne { try runtime.containers.rename(container, to: newName) }
    }
}
