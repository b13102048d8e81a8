import Foundation
import GoTemplate
import SwrunRuntime

/// One container's line of `stats`, with docker's `--format` fields.
struct StatsRow: ListingRow {
    /// The container as the user named it (its full ID when listing them all): `.Container`.
    var reference: String
    var id: String
    var name: String
    /// Nil for a container that is not running: docker's zeros.
    var cpuPercent: Double?
    var current: ContainerStatsSample?

    static let defaultFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

    static let titles = [
        "Container": "CONTAINER", "ID": "CONTAINER ID", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
        "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        let sample = current
        let memory = sample.map { StatsUnits.binary($0.memoryUsage) + " / " + StatsUnits.binary($0.memoryLimit) } ?? "0B / 0B"
        let network = StatsUnits.decimalPair(sample?.networkReceived ?? 0, sample?.networkSent ?? 0)
        let block = StatsUnits.decimalPair(sample?.cgroup.blockReadBytes ?? 0, sample?.cgroup.blockWriteBytes ?? 0)
        return [
            "BlockIO": .string(block),
            "CPUPerc": .string(StatsUnits.percent(cpuPercent ?? 0)),
            "Container": .string(reference),
            "ID": .string(noTrunc ? id : String(id.prefix(12))),
            "MemPerc": .string(StatsUnits.percent(sample?.memoryPercent ?? 0)),
            "MemUsage": .string(memory),
            "Name": .string(name.isEmpty ? "--" : name),
            "NetIO": .string(network),
            "PIDs": .string(String(sample?.cgroup.pidsCurrent ?? 0)),
        ]
    }
}

/// docker's go-units formatting as its stats use it.
enum StatsUnits {
    /// `units.BytesSize`: binary units, four significant digits ("1.5MiB", "7.667GiB").
    static func binary(_ bytes: UInt64) -> String {
        scaled(Double(bytes), base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"], digits: 4)
    }

    /// `units.HumanSizeWithPrecision(_, 3)`: decimal units, three significant digits ("1.23kB").
    static func decimal(_ bytes: UInt64) -> String {
        scaled(Double(bytes), base: 1000, units: ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"], digits: 3)
    }

    static func decimalPair(_ first: UInt64, _ second: UInt64) -> String {
        decimal(first) + " / " + decimal(second)
    }

    /// "%.2f%%".
    static func percent(_ value: Double) -> String {
        String(format: "%.2f%%", value)
    }

    private static func scaled(_ value: Double, base: Double, units: [String], digits: Int) -> String {
        var size = value
        var unit = 0
        while size >= base && unit < units.count - 1 {
            size /= base
            unit += 1
        }
        return String(format: "%.\(digits)g", size) + units[unit]
    }
}
