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
        let fd: Int32
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SwrunError.system("open \(output)") }
        } else {
            guard isatty(1) == 0 else {
                throw SwrunError(.invalidArgument, "cowardly refusing to save to a terminal. Use the -o flag or redirect")
            }
            fd = 1
        }
        defer { if fd != 1 { close(fd) } }
        try store.exportFilesystem(of: image, upperDir: runtime.containers.filesystem(of: state.id).upperDir, to: fd)
        if fd != 1 {
            guard fsync(fd) == 0 else { throw SwrunError.system("fsync \(output ?? "")") }
        }
    }
}
