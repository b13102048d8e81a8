import ArgumentParser
import GoTemplate
import SwrunOS
import SwrunRuntime

struct VolumeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List volumes.", aliases: ["list"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("q"), .long], help: "Only display volume names.")
    var quiet = false
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table, 'json').")
    var format: String?
    @Option(name: [.customShort("f"), .long], help: "Provide filter values: dangling=true|false, driver=, label=KEY[=VALUE], name=.")
    var filter: [String] = []

    mutating func run() throws {
        let store = global.volumeStore()
        let filters = try VolumeFilters(filter)
        let used = try store.usedVolumeNames()
        let rows = try store.list().filter { filters.matches($0, inUse: used.contains($0.name)) }
            .sorted { NaturalOrder.less($0.name, $1.name) }
            .map { VolumeRow(volume: $0, mountpoint: store.dataPath(of: $0.name)) }
        try Listing(format: format, quiet: quiet, noTrunc: true, layout: .template("table {{.Driver}}\\t{{.Name}}")).print(rows)
    }
}

/// One line of `volume ls`.
struct VolumeRow: ListingRow {
    var volume: Volume
    var mountpoint: String

    static let titles = [
        "Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
        "Links": "LINKS", "Size": "SIZE", "CreatedAt": "CREATED AT", "Availability": "AVAILABILITY", "Group": "GROUP",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        [
            "Name": .string(volume.name),
            "Driver": .string(volume.driver),
            "Scope": .string("local"),
            "Mountpoint": .string(mountpoint),
            "Labels": .string(volume.labels.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: ",")),
            "Links": .string("N/A"),
            "Size": .string("N/A"),
            "CreatedAt": .string(GoTime.string(volume.createdAt)),
        ]
    }

    func quietValue(noTrunc: Bool) -> String { volume.name }
}

/// `volume ls --filter` as docker's daemon applies it: values of one key are
/// alternatives, different keys must all hold.
struct VolumeFilters {
    var values: [String: [String]] = [:]

    static let keys: Set<String> = ["dangling", "driver", "label", "name"]

    init(_ filters: [String]) throws {
        for filter in filters {
            guard let equals = filter.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "bad format of filter (expected name=value)")
            }
            let key = filter[..<equals].lowercased()
            guard Self.keys.contains(key) else { throw SwrunError(.invalidArgument, "invalid filter '\(key)'") }
            values[key, default: []].append(String(filter[filter.index(after: equals)...]))
        }
        for value in values["dangling"] ?? [] where !["0", "1", "true", "false"].contains(value.lowercased()) {
            throw SwrunError(.invalidArgument, "invalid filter 'dangling=\(value)'")
        }
    }

    func matches(_ volume: Volume, inUse: Bool) -> Bool {
        if let names = values["name"], !names.contains(where: { NetworkFilters.match($0, volume.name) }) { return false }
        if let drivers = values["driver"], !drivers.contains(volume.driver) { return false }
        if let labels = values["label"], !labels.allSatisfy({ NetworkFilters.label($0, in: volume.labels) }) { return false }
        if let dangling = values["dangling"] {
            let wanted = Set(dangling.map { $0 == "1" || $0.lowercased() == "true" })
            if !wanted.contains(!inUse) { return false }
        }
        return true
    }
}
