import ArgumentParser
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Inspect changes to files or directories on a container's filesystem.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let store = try global.imageStore()
        let state = try runtime.containers.lookup(container)
        let changes = try store.changes(
            upperDir: runtime.containers.filesystem(of: state.id).upperDir, image: store.resolve(state.imageID))
        for change in changes {
            print("\(change.kind.rawValue) \(change.path)")
        }
    }
}
