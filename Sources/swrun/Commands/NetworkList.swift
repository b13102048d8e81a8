import ArgumentParser
import Foundation
import GoTemplate
import SwrunNetwork
import SwrunOS

struct NetworkList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks.", aliases: ["list"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("q"), .long], help: "Only display network IDs.")
    var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate the output.")
    var noTrunc = false
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table, 'json').")
    var format: String?
    @Option(name: [.customShort("f"), .long], help: "Filter output: driver=, id=, label=KEY[=VALUE], name=, scope=local, type=custom|builtin, dangling=true|false.")
    var filter: [String] = []

    mutating func run() throws {
        let store = global.networkStore()
        let filters = try NetworkFilters(filter)
        let networks = try store.list().filter { network in
            try filters.matches(network) { try !store.allocations(in: network).isEmpty }
        }
        let rows = networks.sorted { NaturalOrder.less($0.name, $1.name) }.map(NetworkRow.init)
        try Listing(format: format, quiet: quiet, noTrunc: noTrunc, layout: .template("table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}"))
            .print(rows)
    }
}

/// One line of `network ls`.
struct NetworkRow: ListingRow {
    var network: NetworkConfig

    static let titles = [
        "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv4": "IPV4", "IPv6": "IPV6",
        "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        [
            "ID": .string(noTrunc ? network.id : network.shortID),
            "Name": .string(network.name),
            "Driver": .string(network.driver),
            "Scope": .string("local"),
            "IPv4": .string(String(network.driver == "bridge")),
            "IPv6": .string(String(network.enableIPv6)),
            "Internal": .string(String(network.internal)),
            "Labels": .string(network.labels.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: ",")),
            "CreatedAt": .string(GoTime.string(network.created)),
        ]
    }
}

/// `network ls --filter`, as docker's daemon applies it: values of one key are
/// alternatives, different keys must all hold; name and id are regular expressions
/// (or exact), labels KEY or KEY=VALUE.
struct NetworkFilters {
    var values: [String: [String]] = [:]

    static let keys: Set<String> = ["dangling", "driver", "id", "label", "name", "scope", "type"]

    init(_ filters: [String]) throws {
        for filter in filters {
            guard let equals = filter.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "bad format of filter (expected name=value)")
            }
            let key = filter[..<equals].lowercased()
            guard Self.keys.contains(key) else { throw SwrunError(.invalidArgument, "invalid filter '\(key)'") }
            values[key, default: []].append(String(filter[filter.index(after: equals)...]))
        }
        for type in values["type"] ?? [] where type != "custom" && type != "builtin" {
            throw SwrunError(.invalidArgument, "invalid filter: 'type'='\(type)'")
        }
        if let dangling = values["dangling"] {
            guard dangling.count == 1 else {
                throw SwrunError(.invalidArgument, "got more than one value for filter key \"dangling\"")
            }
            guard ["0", "1", "true", "false"].contains(dangling[0]) else {
                throw SwrunError(.invalidArgument, "invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")")
            }
        }
    }

    /// Whether `network` passes; `inUse` says whether a container holds an address on it.
    func matches(_ network: NetworkConfig, inUse: () throws -> Bool) rethrows -> Bool {
        if let drivers = values["driver"], !drivers.contains(network.driver) { return false }
        if let scopes = values["scope"], !scopes.contains("local") { return false }
        if let names = values["name"], !names.contains(where: { Self.match($0, network.name) }) { return false }
        if let ids = values["id"], !ids.contains(where: { Self.match($0, network.id) }) { return false }
        if let labels = values["label"], !labels.allSatisfy({ Self.label($0, in: network.labels) }) { return false }
        if let types = values["type"], !types.contains(network.isPredefined ? "builtin" : "custom") { return false }
        if let dangling = values["dangling"]?.first {
            let wantsDangling = dangling == "1" || dangling == "true"
            var isDangling = false
            if !network.isPredefined { isDangling = try !inUse() }
            if isDangling != wantsDangling { return false }
        }
        return true
    }

    /// docker's filters.Match: the same text, or a regular expression found in it.
    static func match(_ pattern: String, _ text: String) -> Bool {
        if pattern == text { return true }
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.firstMatch(in: text)) != nil
    }

    /// A `KEY` or `KEY=VALUE` label filter against `labels`.
    static func label(_ filter: String, in labels: [String: String]) -> Bool {
        let parts = filter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let value = labels[parts[0]] else { return false }
        return parts.count == 1 || parts[1] == value
    }
}

/// Go's `time.Time.String()` in UTC: "2024-05-01 10:20:30.123456789 +0000 UTC".
enum GoTime {
    static func string(_ date: Date) -> String {
        let text = ContainerDocument.goTime(date)
        return text.dropLast().replacingOccurrences(of: "T", with: " ") + " +0000 UTC"
    }
}

/// The natural order docker's listings sort names in: digit runs compare as numbers
/// ("net2" before "net10").
enum NaturalOrder {
    static func less(_ a: String, _ b: String) -> Bool {
        var left = Substring(a)
        var right = Substring(b)
        while let l = left.first, let r = right.first {
            if l.isASCII && l.isNumber && r.isASCII && r.isNumber {
                let leftDigits = left.prefix(while: { $0.isASCII && $0.isNumber })
                let rightDigits = right.prefix(while: { $0.isASCII && $0.isNumber })
                let leftValue = leftDigits.drop(while: { $0 == "0" })
                let rightValue = rightDigits.drop(while: { $0 == "0" })
                if leftValue.count != rightValue.count { return leftValue.count < rightValue.count }
                if leftValue != rightValue { return leftValue < rightValue }
                if leftDigits.count != rightDigits.count { return leftDigits.count < rightDigits.count }
                left = left.dropFirst(leftDigits.count)
                right = right.dropFirst(rightDigits.count)
            } else {
                if l != r { return l < r }
                left = left.dropFirst()
                right = right.dropFirst()
            }
        }
        return left.isEmpty && !right.isEmpty
    }
}
