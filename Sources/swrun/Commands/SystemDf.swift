import ArgumentParser
import SwrunOS

struct SystemDf: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "df", abstract: "Show swrun disk usage.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        throw SwrunError(.unsupported, "df is not implemented yet")
    }
}
