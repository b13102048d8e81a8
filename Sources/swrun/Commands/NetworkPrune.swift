import ArgumentParser
import Foundation
import SwrunNetwork
import SwrunOS
import SwrunRuntime

struct NetworkPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all unused networks.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false
    @Option(name: .long, help: "Provide filter values: until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE].")
    var filter: [String] = []

    mutating func run() throws {
        let filters = try PruneFilters(filter)
        if !force {
            print("WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ", terminator: "")
            fflush(nil)
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else { return }
        }
        let store = global.networkStore()
        let runtime = try global.runtime()
        var deleted: [String] = []
        for network in try store.list() where !network.isPredefined && filters.matches(network) {
            guard try store.allocations(in: network).isEmpty else { continue }
            // A container may take an address, or another prune remove it, meanwhile:
            // swrun-net checks again under its lock, and such a network is skipped.
            guard (try? runtime.removeNetwork(network.id)) != nil else { continue }
            deleted.append(network.name)
        }
        if !deleted.isEmpty {
            print("Deleted Networks:\n" + deleted.map { $0 + "\n" }.joined())
        }
    }
}

/// docker's prune filters: `until` (networks created before), `label` and `label!`.
struct PruneFilters {
    var until: [Date] = []
    var labels: [String] = []
    var notLabels: [String] = []

    init(_ filters: [String], now: Date = Date()) throws {
        for filter in filters {
            guard let equals = filter.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "bad format of filter (expected name=value)")
            }
            let key = filter[..<equals].lowercased()
            let value = String(filter[filter.index(after: equals)...])
            switch key {
            case "until":
                guard let date = Self.time(value, now: now) else {
                    throw SwrunError(.invalidArgument, "failed to parse value as time or duration: \"\(value)\"")
                }
                until.append(date)
            case "label":
                labels.append(value)
            case "label!":
                notLabels.append(value)
            default:
                throw SwrunError(.invalidArgument, "invalid filter '\(key)'")
            }
        }
    }

    func matches(_ network: NetworkConfig) -> Bool {
        if !until.isEmpty && !until.contains(where: { network.created < $0 }) { return false }
        if !labels.allSatisfy({ NetworkFilters.label($0, in: network.labels) }) { return false }
        if notLabels.contains(where: { NetworkFilters.label($0, in: network.labels) }) { return false }
        return true
    }

    /// docker's timestamps (`TimeBound`): a Go duration before `now`, Unix seconds, or a date and time.
    static func time(_ text: String, now: Date) -> Date? {
        (try? TimeBound.parse(text, flag: "until", now: now)).map { Date(timeIntervalSince1970: Double($0) / 1e9) }
    }
}
