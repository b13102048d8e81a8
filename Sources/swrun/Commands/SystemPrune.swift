import ArgumentParser
import Foundation
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRuntime

/// `swrun system prune`: docker's prunes in its order — stopped containers, unused
/// networks, (`--volumes`) unused anonymous volumes, dangling (with `-a` all unused)
/// images, and the build cache entries whose images are gone.
struct SystemPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused data.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Remove all unused images not just dangling ones.")
    var all = false
    @Flag(name: .long, help: "Prune anonymous volumes.")
    var volumes = false
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false
    @Option(name: .long, help: "Provide filter values: until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    mutating func run() throws {
        let containerFilter = try ContainerPrune.filter(filter)
        let otherFilter = try PruneFilters(filter)
        if volumes && !otherFilter.until.isEmpty {
            throw SwrunError(.invalidArgument, "ERROR: The \"until\" filter is not supported with \"--volumes\"")
        }
        if !force {
            print(warning + "\nAre you sure you want to continue? [y/N] ", terminator: "")
            fflush(nil)
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else { return }
        }
        let runtime = try global.runtime()
        var reclaimed: Int64 = 0

        let containers = try ContainerErrors.exitingOne { try runtime.prune { containerFilter.matches(ContainerFacts(state: $0)) } }
        if !containers.deletedIDs.isEmpty { print("Deleted Containers:\n" + containers.deletedIDs.map { $0 + "\n" }.joined()) }
        reclaimed += Int64(containers.reclaimedBytes)

        let networkStore = global.networkStore()
        var networks: [String] = []
        for network in try networkStore.list() where !network.isPredefined && otherFilter.matches(network) {
            guard try networkStore.allocations(in: network).isEmpty, (try? runtime.removeNetwork(network.id)) != nil else { continue }
            networks.append(network.name)
        }
        if !networks.isEmpty { print("Deleted Networks:\n" + networks.map { $0 + "\n" }.joined()) }

        if volumes {
            // docker ≥ 23: anonymous volumes only, also with -a (named ones take `volume prune -a`).
            let result = try global.volumeStore().prune(all: false) { volume in
                otherFilter.labels.allSatisfy { NetworkFilters.label($0, in: volume.labels) }
                    && !otherFilter.notLabels.contains { NetworkFilters.label($0, in: volume.labels) }
            }
            if !result.removed.isEmpty { print("Deleted Volumes:\n" + result.removed.map { $0 + "\n" }.joined()) }
            reclaimed += result.reclaimed
        }

        let store = try global.imageStore()
        let users = try ImageUsers(runtime: runtime)
        let all = self.all
        let removal = try store.pruneImages { image in
            !users.isUsed(image.id) && (all || image.repoTags.isEmpty) && otherFilter.matches(image: image)
        }
        if !removal.untagged.isEmpty || !removal.deleted.isEmpty {
            print("Deleted Images:")
            for tag in removal.untagged { print("untagged: \(tag)") }
            for digest in removal.deleted { print("deleted: \(digest)") }
            print("")
        }
        reclaimed += removal.reclaimedBytes

        let cache = Self.pruneBuildCache(store)
        if !cache.isEmpty { print("Deleted build cache objects:\n" + cache.map { $0 + "\n" }.joined()) }
        print("Total reclaimed space: \(ByteSize.format(reclaimed))")
    }

    /// docker's confirmation text for the flags given.
    var warning: String {
        var lines = ["WARNING! This will remove:", "  - all stopped containers", "  - all networks not used by at least one container"]
        if volumes { lines.append("  - all anonymous volumes not used by at least one container") }
        lines.append(all ? "  - all images without at least one container associated to them" : "  - all dangling images")
        lines.append("  - unused build cache")
        if !filter.isEmpty {
            lines.append("")
            lines.append("  Items to be pruned will be filtered with:")
            lines += filter.map { "  - " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Removes the build cache's entries (`<root>/build-cache/<key>`, each naming an
    /// image by manifest digest) whose image is no longer in the store; their keys.
    static func pruneBuildCache(_ store: ImageStore) -> [String] {
        let directory = store.root + "/build-cache"
        var removed: [String] = []
        for key in (try? FileIO.directoryNames(directory)) ?? [] {
            let path = directory + "/" + key
            let text = (try? FileIO.readString(path)) ?? ""
            if let digest = try? Digest(parsing: String(text.prefix { $0 != "\n" })), (try? store.image(manifestDigest: digest)) != nil {
                continue
            }
            if unlink(path) == 0 { removed.append(key) }
        }
        return removed
    }
}

extension PruneFilters {
    /// The filters applied to an image: its config's labels and creation time.
    func matches(image: StoredImage) -> Bool {
        let labels = image.config.config?.labels ?? [:]
        if !until.isEmpty {
            guard let created = image.config.created.flatMap(Timestamps.parse), until.contains(where: { created < $0 }) else { return false }
        }
        if !self.labels.allSatisfy({ ContainerFilter.labelMatch($0, labels) }) { return false }
        if notLabels.contains(where: { ContainerFilter.labelMatch($0, labels) }) { return false }
        return true
    }
}
