import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Display a live stream of container(s) resource usage statistics.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Show all containers (default shows just running).")
    var all = false
    @Flag(name: .customLong("no-stream"), help: "Disable streaming stats and only pull the first result.")
    var noStream = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.")
    var noTrunc = false
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table, 'json' for JSON lines).")
    var format: String?
    @Argument(help: "Containers: names, IDs or unique ID prefixes (default: all running).")
    var containers: [String] = []

    /// docker's redraw of the live view on a terminal: clear the screen, cursor home.
    static let clearScreen = "\u{1B}[2J\u{1B}[H"

    mutating func run() throws {
        let runtime = try global.runtime()
        let listing = Listing(format: format, noTrunc: noTrunc, layout: .template(StatsRow.defaultFormat))
        // A template that does not parse fails before the first second of sampling.
        _ = try listing.render([StatsRow]())
        let redraw = !noStream && isatty(STDOUT_FILENO) == 1
        var previous = try ContainerErrors.exitingOne { try samples(runtime) }
        while true {
            if !previous.isEmpty { usleep(1_000_000) }
            let current = try ContainerErrors.exitingOne { try samples(runtime) }
            let rows = current.map { target in
                let before = previous.first { $0.state.id == target.state.id }?.sample
                return StatsRow(
                    reference: target.reference, id: target.state.id, name: target.state.name,
                    cpuPercent: zip2(before, target.sample).map { ContainerStatsSample.cpuPercent(previous: $0, current: $1) },
                    current: target.sample)
            }
            let text = try listing.render(rows)
            FileHandle.standardOutput.write(Data(((redraw ? Self.clearScreen : "") + text).utf8))
            if noStream { return }
            previous = current
        }
    }

    /// The containers shown now, each with a reading (nil when not running): those
    /// named, else the running ones (every one with `-a`), newest first.
    private func samples(_ runtime: ContainerRuntime) throws -> [(reference: String, state: ContainerState, sample: ContainerStatsSample?)] {
        let targets: [(String, ContainerState)]
        if containers.isEmpty {
            targets = try runtime.containers.list().filter { all || $0.isRunning }.map { ($0.id, $0) }
        } else {
            targets = try containers.map { ($0, try runtime.containers.lookup($0)) }
        }
        return targets.map { ($0.0, $0.1, runtime.statsSample($0.1)) }
    }

    private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
        guard let a, let b else { return nil }
        return (a, b)
    }
}
