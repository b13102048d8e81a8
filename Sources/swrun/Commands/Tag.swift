import ArgumentParser
import SwrunOS

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        throw SwrunError(.unsupported, "tag is not implemented yet")
    }
}
