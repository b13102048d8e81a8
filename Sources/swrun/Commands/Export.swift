import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a container's filesystem as a tar archive.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("o"), .long], help: "Write to a file, instead of STDOUT.")
    var output: String?
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let store = try global.imageStore()
        let state = try runtime.containers.lookup(container)
        let image = try store.resolve(state.imageID)
        let upperDir = runtime.containers.filesystem(of: state.id).upperDir
        if let output {
            try OutputFile.write(output) { fd in try store.exportFilesystem(of: image, upperDir: upperDir, to: fd) }
            return
        }
        guard isatty(1) == 0 else {
            throw SwrunError(.invalidArgument, "cowardly refusing to save to a terminal. Use the -o flag or redirect")
        }
        try store.exportFilesystem(of: image, upperDir: upperDir, to: 1)
    }
}
