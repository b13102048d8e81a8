import ArgumentParser
import SwrunRuntime

/// `swrun create`: `run`'s flags, a container made as `run` makes it, not started;
/// prints its ID (docker's output). `start` runs it.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a new container.")

    /// The same flags as `run`, read by the same code (`-d` and `--detach-keys` mean
    /// nothing here).
    @OptionGroup var flags: Run

    mutating func run() throws {
        let request = try flags.request()
        let logger = try request.global.logger()
        let store = try request.global.imageStore()
        let stored = try RunRequest.resolve(request.image, pull: request.pull, store: store, global: request.global)
        let layers = try store.ensureUnpacked(stored)
        var snapshot = ImageSnapshot(id: stored.id.description, name: request.image, config: stored.config.config, layerDirs: layers)
        snapshot.contentCopier = VolumeCopyUp.copy
        let runtime = try ContainerRuntime(root: request.global.storeRoot, logger: logger)
        print(try runtime.create(image: snapshot, options: request.options).id)
    }
}
