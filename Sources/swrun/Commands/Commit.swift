import ArgumentParser
import SwrunOS

struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commit", abstract: "Create a new image from a container's changes.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        throw SwrunError(.unsupported, "commit is not implemented yet")
    }
}
