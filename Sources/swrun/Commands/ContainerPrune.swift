import ArgumentParser
import Foundation
import SwrunRuntime

struct ContainerPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all stopped containers.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false

    mutating func run() throws {
        let runtime = try global.runtime()
        if !force {
            print("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ", terminator: "")
            fflush(nil)
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" else {
                print("Total reclaimed space: 0B")
                return
            }
        }
        let report = try ContainerErrors.exitingOne { try runtime.prune() }
        if !report.deletedIDs.isEmpty {
            print("Deleted Containers:\n" + report.deletedIDs.map { $0 + "\n" }.joined())
        }
        print("Total reclaimed space: " + Self.humanSize(report.reclaimedBytes))
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
