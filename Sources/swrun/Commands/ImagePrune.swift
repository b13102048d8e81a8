import ArgumentParser
import SwrunOS

struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused images.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        throw SwrunError(.unsupported, "prune is not implemented yet")
    }
}
