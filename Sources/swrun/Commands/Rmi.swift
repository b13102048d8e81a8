import ArgumentParser
import Foundation
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRuntime

struct Rmi: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Force removal of the image.")
    var force = false
    @Flag(name: .customLong("no-prune"), help: "Do not delete untagged parents (swrun images have none).")
    var noPrune = false
    @Argument(help: "Images: names, IDs or unique ID prefixes.")
    var images: [String]

    mutating func run() throws {
        let store = try global.imageStore()
        let users = try ImageUsers(runtime: global.runtime())
        var failed = false
        for name in images {
            do {
                let removal = try store.removeImage(name, force: force, user: users.user(of:))
                for tag in removal.untagged { print("Untagged: \(tag)") }
                for digest in removal.deleted { print("Deleted: \(digest)") }
            } catch let error as SwrunError {
                // docker's line for a refused image: the message its daemon sent back.
                FileHandle.standardError.write(Data("Error response from daemon: \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// Which containers (running or stopped) use which images, by image ID.
struct ImageUsers {
    private var users: [String: ImageUser] = [:]
    /// How many containers use each image ID.
    private(set) var counts: [String: Int] = [:]

    init(runtime: ContainerRuntime) throws {
        // A running container wins over a stopped one: it is the harder conflict.
        for container in try runtime.containers.list() {
            counts[container.imageID, default: 0] += 1
            if users[container.imageID]?.running == true { continue }
            users[container.imageID] = ImageUser(containerID: container.id, running: container.isRunning)
        }
    }

    func user(of id: Digest) -> ImageUser? { users[id.description] }

    func isUsed(_ id: Digest) -> Bool { users[id.description] != nil }

    func count(of id: Digest) -> Int { counts[id.description] ?? 0 }
}
