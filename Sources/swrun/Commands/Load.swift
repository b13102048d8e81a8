import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "Load an image from a tar archive, an OCI layout directory or STDIN.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("i"), .long], help: "Read from a tar archive file or an OCI layout directory, instead of STDIN.")
    var input: String?
    @Flag(name: [.customShort("q"), .long], help: "Suppress the load output.")
    var quiet = false

    mutating func run() throws {
        let store = try global.imageStore()
        var st = stat()
        if let input, stat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            report(try store.load(fromDirectory: input))
            return
        }
        let fd: Int32
        if let input {
            fd = open(input, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open \(input)") }
        } else {
            guard isatty(0) == 0 else {
                throw SwrunError(.invalidArgument, "requested load from stdin, but stdin is empty")
            }
            fd = 0
        }
        defer { if fd != 0 { close(fd) } }
        report(try store.load(fromFD: fd))
    }

    private func report(_ loaded: [LoadedImage]) {
        guard !quiet else { return }
        for image in loaded {
            if image.tags.isEmpty {
                print("Loaded image ID: \(image.id)")
            }
            for tag in image.tags {
                print("Loaded image: \(tag)")
            }
        }
    }
}
