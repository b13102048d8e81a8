import ArgumentParser
import SwrunRuntime

/// `swrun volume …`: docker's volume commands, on `<root>/volumes`.
struct VolumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Manage volumes.",
        subcommands: [VolumeCreate.self, VolumeList.self, VolumeInspect.self, VolumeRemove.self, VolumePrune.self]
    )
}

extension GlobalOptions {
    /// The volume store, with the anonymous volumes of gone `--rm` containers swept.
    func volumeStore() -> VolumeStore {
        let store = VolumeStore(root: storeRoot)
        store.sweepOrphans()
        return store
    }
}
