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

    /// docker's timestamps: a Go duration before `now` ("24h", "1h30m"), Unix seconds
    /// ("1700000000.5"), or an RFC 3339 time.
    static func time(_ text: String, now: Date) -> Date? {
        if let seconds = duration(text) { return now.addingTimeInterval(-seconds) }
        if let seconds = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." }) { return Date(timeIntervalSince1970: seconds) }
        return Timestamps.parse(text)
    }

    /// Go's time.ParseDuration for the units docker users write: h, m, s, ms, us, ns.
    static func duration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isNumber || $0 == "." })
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += value * unit.1
            rest = rest.dropFirst(unit.0.count)
        }
        return total
    }
}
