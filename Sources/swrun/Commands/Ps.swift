import ArgumentParser
import Foundation
import SwrunRuntime

struct Ps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List containers.", aliases: ["ls"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Show all containers (default shows just running).")
    var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only display container IDs.")
    var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output.")
    var noTrunc = false

    mutating func run() throws {
        let runtime = try global.runtime()
        let now = Date()
        let shown = try runtime.containers.list().filter { all || $0.isRunning }
        if quiet {
            for c in shown { print(noTrunc ? c.id : c.shortID) }
            return
        }
        var table = Table(header: ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"])
        for c in shown {
            var command = c.command.joined(separator: " ")
            if !noTrunc && command.count > 20 { command = String(command.prefix(19)) + "…" }
            table.rows.append([noTrunc ? c.id : c.shortID, c.image, "\"\(command)\"", HumanTime.ago(c.created, now: now),
                               Self.status(c, now: now), "", c.name])
        }
        print(table.render())
    }

    static func status(_ c: ContainerState, now: Date) -> String {
        if c.isRunning { return "Up " + HumanTime.duration(now.timeIntervalSince(c.startedAt ?? c.created)) }
        switch c.status {
        case .created: return "Created"
        case .running:
            // The state file says running but PID 1 is gone: the client was killed.
            return "Exited (unknown) " + HumanTime.ago(c.startedAt ?? c.created, now: now)
        case .exited:
            return "Exited (\(c.exitCode)) " + HumanTime.ago(c.finishedAt ?? c.created, now: now)
        }
    }
}
