import ArgumentParser
import SwrunOS

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "SOURCE_IMAGE[:TAG], an image ID or a unique ID prefix.")
    var source: String
    @Argument(help: "TARGET_IMAGE[:TAG].")
    var target: String

    mutating func run() throws {
        let store = try global.imageStore()
        try store.tag(store.resolve(source), as: target)
    }
}
