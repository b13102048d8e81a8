import ArgumentParser
import SwrunOS

struct Rmi: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        throw SwrunError(.unsupported, "rmi is not implemented yet")
    }
}
