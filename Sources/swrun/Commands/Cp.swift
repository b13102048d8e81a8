import ArgumentParser
import SwrunOS

struct Cp: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cp", abstract: "Copy files/folders between a container and the local filesystem.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        throw SwrunError(.unsupported, "cp is not implemented yet")
    }
}
