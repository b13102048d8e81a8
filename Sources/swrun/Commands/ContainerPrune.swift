import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct ContainerPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all stopped containers.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false
    @Option(name: .long, help: "Provide filter values: until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    mutating func run() throws {
        let runtime = try global.runtime()
        let filter = try Self.filter(self.filter)
        if !force {
            print("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ", terminator: "")
            fflush(nil)
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" else {
                print("Total reclaimed space: 0B")
                return
            }
        }
        let report = try ContainerErrors.exitingOne {
            try runtime.prune { filter.matches(ContainerFacts(state: $0)) }
        }
        if !report.deletedIDs.isEmpty {
            print("Deleted Containers:\n" + report.deletedIDs.map { $0 + "\n" }.joined())
        }
        print("Total reclaimed space: " + Self.humanSize(report.reclaimedBytes))
    }

    /// The prune filters (`until`, `label`, `label!`), `until` read as docker reads it.
    static func filter(_ arguments: [String]) throws -> ContainerFilter {
        var filter = try ContainerFilter(arguments, allowed: ContainerFilter.pruneKeys)
        for value in filter.values["until"] ?? [] {
            guard let date = PruneFilters.time(value, now: Date()) else {
                throw SwrunError(.invalidArgument, "failed to parse value as time or duration: \"\(value)\"")
            }
            filter.until = min(filter.until ?? date, date)
        }
        return filter
    }

    /// docker's units.HumanSize: decimal units, four significant digits ("0B", "1.234kB").
    static func humanSize(_ bytes: UInt64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        var size = Double(bytes)
        var unit = 0
        while size >= 1000 && unit < units.count - 1 {
            size /= 1000
            unit += 1
        }
        return String(format: "%.4g", size) + units[unit]
    }
}
