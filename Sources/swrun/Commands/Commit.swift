import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commit", abstract: "Create a new image from a container's changes.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("a"), .long], help: "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\").")
    var author: String?
    @Option(name: [.customShort("c"), .long], help: "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME).")
    var change: [String] = []
    @Option(name: [.customShort("m"), .long], help: "Commit message.")
    var message: String?
    // Docker's `-p, --pause` is one bool flag; argument-parser cannot give a flag an
    // optional `=value`, so `-p` is the flag and `--pause=true|false` the option (a
    // bare `--pause` is rewritten to `--pause=true` before parsing).
    @Flag(name: .customShort("p"), help: "Pause the container during commit (the default).")
    var pauseFlag = false
    @Option(name: .customLong("pause"), help: "Pause the container during commit: true or false.", transform: Commit.parseBool)
    var pause = true
    @Option(name: .long, help: "Image format: oci or docker. Both store an OCI image (docker's config fields are the same).")
    var format: String = "oci"
    @Flag(name: .long, help: "Squash the image and the changes into one layer.")
    var squash = false
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String
    @Argument(help: "REPOSITORY[:TAG] to tag the image with.")
    var reference: String?

    mutating func run() throws {
        guard format == "oci" || format == "docker" else {
            throw SwrunError(.invalidArgument, "invalid --format \(format): use oci or docker")
        }
        let shouldPause = pause || pauseFlag
        let runtime = try global.runtime()
        let store = try global.imageStore()
        let state = try runtime.containers.lookup(container)
        let base = try store.resolve(state.imageID)
        let upperDir = runtime.containers.filesystem(of: state.id).upperDir
        let commit = { [self] in
            try store.commitLayer(
                from: upperDir, base: base, changes: change, author: author, message: message,
                createdBy: Self.createdBy(state.command), tag: reference, squash: squash,
                exclude: ImageStore.runtimePlaceholders)
        }
        // Frozen for the walk, so the layer is one consistent moment.
        let image = shouldPause ? try runtime.withPaused(state, commit) : try commit()
        print(image.id.description)
    }

    /// Go's strconv.ParseBool, as docker reads `--pause=VALUE`.
    static func parseBool(_ text: String) throws -> Bool {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw ValidationError("invalid boolean value \"\(text)\" for --pause")
        }
    }

    /// The history's `created_by`, like docker's: the container's command line.
    static func createdBy(_ command: [String]) -> String {
        command.joined(separator: " ")
    }
}
