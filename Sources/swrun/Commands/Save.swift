import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS

struct Save: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "save", abstract: "Save one or more images to a tar archive.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("o"), .long], help: "Write to a file (a directory for oci-dir), instead of STDOUT.")
    var output: String?
    @Option(name: .long, help: "docker-archive (default), oci-archive or oci-dir.")
    var format: String = ImageArchiveFormat.dockerArchive.rawValue
    @Argument(help: "Images to save (names or IDs).")
    var images: [String] = []

    mutating func run() throws {
        guard let archiveFormat = ImageArchiveFormat(rawValue: format) else {
            throw SwrunError(.invalidArgument, "unknown format \(format): use docker-archive, oci-archive or oci-dir")
        }
        guard !images.isEmpty else { throw SwrunError(.invalidArgument, "\"save\" requires at least 1 argument") }
        let store = try global.imageStore()
        if archiveFormat == .ociDirectory {
            guard let output else { throw SwrunError(.invalidArgument, "oci-dir needs -o DIRECTORY") }
            try store.save(images: images, toDirectory: output)
            return
        }
        guard let output else {
            guard isatty(1) == 0 else {
                throw SwrunError(.invalidArgument, "cowardly refusing to save to a terminal. Use the -o flag or redirect")
            }
            try store.save(images: images, format: archiveFormat, toFD: 1)
            return
        }
        try OutputFile.write(output) { fd in try store.save(images: images, format: archiveFormat, toFD: fd) }
    }
}
