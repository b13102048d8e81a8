import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct VolumePrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused local volumes.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Remove all unused volumes, not just anonymous ones.")
    var all = false
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false
    @Option(name: .long, help: "Provide filter values: label=KEY[=VALUE], label!=KEY[=VALUE], all=true.")
    var filter: [String] = []

    mutating func run() throws {
        var filters: [String] = []
        var everything = all
        for value in filter {
            if value.lowercased().hasPrefix("all=") {
                everything = ["1", "true"].contains(value.dropFirst(4).lowercased())
            } else if value.lowercased().hasPrefix("until=") {
                throw SwrunError(.invalidArgument, "invalid filter 'until'")
            } else {
                filters.append(value)
            }
        }
        let labels = try PruneFilters(filters)
        if !force {
            let what = everything ? "all local volumes not used by at least one container" : "anonymous local volumes not used by at least one container"
            print("WARNING! This will remove \(what).\nAre you sure you want to continue? [y/N] ", terminator: "")
            fflush(nil)
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else { return }
        }
        let store = global.volumeStore()
        let result = try store.prune(all: everything) { volume in
            labels.labels.allSatisfy { NetworkFilters.label($0, in: volume.labels) }
                && !labels.notLabels.contains { NetworkFilters.label($0, in: volume.labels) }
        }
        if !result.removed.isEmpty {
            print("Deleted Volumes:\n" + result.removed.map { $0 + "\n" }.joined())
        }
        print("Total reclaimed space: " + ByteSize.format(result.reclaimed))
    }
}
