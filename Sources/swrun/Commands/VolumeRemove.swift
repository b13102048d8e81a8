import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct VolumeRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove one or more volumes.", aliases: ["remove"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Do not error if the volume does not exist.")
    var force = false
    @Argument(help: "Volume names.")
    var volumes: [String]

    mutating func run() throws {
        let store = global.volumeStore()
        var failed = false
        for name in volumes {
            do {
                try store.remove(name)
                print(name)
            } catch let error as SwrunError {
                if force && error.code == .notFound {
                    print(name)
                    continue
                }
                FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
