import ArgumentParser
import Foundation
import GoTemplate
import SwrunOS
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
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table).")
    var format: String?

    mutating func run() throws {
        let runtime = try global.runtime()
        let now = Date()
        let format = self.format
        let shown = try runtime.containers.list().filter { all || $0.isRunning }
        if quiet {
            for c in shown { print(noTrunc ? c.id : c.shortID) }
            return
        }
        let rows = shown.map { row($0, runtime: runtime, now: now) }
        if let format {
            do {
                print(try TableFormat.render(format: format, rows: rows, headers: Self.headers), terminator: "")
            } catch let error as TemplateError {
                throw SwrunError(.invalidArgument, "template parsing error: \(error.message)")
            }
            return
        }
        var table = Table(header: ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"])
        for r in rows {
            guard case .object(let f) = r else { continue }
            func text(_ key: String) -> String { if case .string(let v)? = f[key] { return v } else { return "" } }
            table.rows.append([text("ID"), text("Image"), text("Command"), text("RunningFor"), text("Status"), "", text("Names")])
        }
        print(table.render())
    }

    static let headers = [
        "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT", "RunningFor": "CREATED",
        "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Names": "NAMES", "Size": "SIZE", "Labels": "LABELS",
        "Mounts": "MOUNTS", "Networks": "NETWORKS",
    ]

    /// One container as docker's `ps --format` fields.
    func row(_ c: ContainerState, runtime: ContainerRuntime, now: Date) -> TemplateValue {
        var command = c.command.joined(separator: " ")
        if !noTrunc && command.count > 20 { command = String(command.prefix(19)) + "…" }
        let paused = c.isRunning && runtime.isPaused(c)
        var status = Self.status(c, now: now)
        if paused { status += " (Paused)" }
        let state = paused ? "paused" : (c.isRunning ? "running" : (c.status == .created ? "created" : "exited"))
        let fields: TemplateFields = [
            "ID": .string(noTrunc ? c.id : c.shortID), "Image": .string(c.image), "Command": .string("\"\(command)\""),
            "CreatedAt": .string(Timestamps.format(c.created)), "RunningFor": .string(HumanTime.ago(c.created, now: now)),
            "Ports": "", "State": .string(state), "Status": .string(status), "Size": "0B", "Names": .string(c.name),
            "Labels": "", "Mounts": "", "Networks": .string("none"),
        ]
        return .object(fields)
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
