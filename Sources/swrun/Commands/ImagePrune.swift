import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS

struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused images.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Remove all unused images, not just dangling ones.")
    var all = false
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false

    mutating func run() throws {
        if !force {
            let warning = all
                ? "WARNING! This will remove all images without at least one container associated to them."
                : "WARNING! This will remove all dangling images."
            print(warning + "\nAre you sure you want to continue? [y/N] ", terminator: "")
            fflush(nil)
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                print("Total reclaimed space: 0B")
                return
            }
        }
        let store = try global.imageStore()
        let users = try ImageUsers(runtime: global.runtime())
        let all = self.all
        let removal = try store.pruneImages { image in
            !users.isUsed(image.id) && (all || image.repoTags.isEmpty)
        }
        if !removal.untagged.isEmpty || !removal.deleted.isEmpty {
            print("Deleted Images:")
            for tag in removal.untagged { print("untagged: \(tag)") }
            for digest in removal.deleted { print("deleted: \(digest)") }
            print("")
        }
        print("Total reclaimed space: \(ByteSize.format(removal.reclaimedBytes))")
    }
}
