import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Rm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove one or more containers.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Force the removal of a running container (uses SIGKILL).")
    var force = false
    @Flag(name: [.customShort("v"), .long], help: "Remove anonymous volumes associated with the container.")
    var volumes = false
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        var failed = false
        for reference in containers {
            do {
                let state = try runtime.containers.lookup(reference)
                let mounts = ContainerMounts.read(containerDirectory: runtime.containers.path(of: state.id))
                try runtime.remove(state, force: force)
                if volumes { runtime.removeAnonymousVolumes(mounts) }
                print(reference)
            } catch let error as SwrunError {
                FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
