import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import the contents of a tarball to create a filesystem image.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("c"), .long], help: "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME).")
    var change: [String] = []
    @Option(name: [.customShort("m"), .long], help: "Commit message for the imported image.")
    var message: String?
    @Argument(help: "A tarball (plain, gzip, zstd), or - for standard input.")
    var file: String
    @Argument(help: "REPOSITORY[:TAG] to tag the image with.")
    var reference: String?

    mutating func run() throws {
        let store = try global.imageStore()
        let fd: Int32
        if file == "-" {
            fd = 0
        } else {
            fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open \(file)") }
        }
        defer { if fd != 0 { close(fd) } }
        let image = try store.importTarball(inputFD: fd, changes: change, message: message, tag: reference)
        print(image.id.description)
    }
}
