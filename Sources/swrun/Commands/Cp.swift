import ArgumentParser
import SwrunImage
import SwrunLayer
import SwrunOS
import SwrunRuntime

struct Cp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy files/folders between a container and the local filesystem.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "CONTAINER:SRC_PATH or SRC_PATH.")
    var source: String
    @Argument(help: "DEST_PATH or CONTAINER:DEST_PATH.")
    var destination: String

    mutating func run() throws {
        guard source != "-", destination != "-" else {
            throw SwrunError(.unsupported, "cp: tar streams (-) are not supported yet; give a host path")
        }
        let from = Self.split(source)
        let to = Self.split(destination)
        switch (from, to) {
        case (.some(let container), .none):
            let view = try containerView(container.name)
            try view.copyOut(container.path, to: destination)
        case (.none, .some(let container)):
            let view = try containerView(container.name)
            try view.copyIn(source, to: container.path)
        case (.some, .some):
            throw SwrunError(.invalidArgument, "copying between containers is not supported")
        case (.none, .none):
            throw SwrunError(.invalidArgument, "must specify at least one container source")
        }
    }

    /// `NAME:PATH` → (NAME, PATH); a local path (absolute, relative with `./`, or
    /// without a colon before its first slash) → nil, as docker decides.
    static func split(_ argument: String) -> (name: String, path: String)? {
        if argument.hasPrefix("/") || argument.hasPrefix(".") { return nil }
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        if let slash = argument.firstIndex(of: "/"), slash < colon { return nil }
        return (String(argument[..<colon]), String(argument[argument.index(after: colon)...]))
    }

    /// The container's root as its processes see it.
    private func containerView(_ reference: String) throws -> OverlayView {
        let containers = try global.runtime().containers
        let state = try containers.lookup(reference)
        let layout = containers.filesystem(of: state.id)
        let store = try global.imageStore()
        return try store.overlayView(of: store.resolve(state.imageID), upperDir: layout.upperDir, mountedFiles: layout.mountedFiles())
    }
}
