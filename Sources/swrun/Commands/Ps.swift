import ArgumentParser
import Foundation
import GoTemplate
import SwrunNetwork
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
    @Option(name: [.customShort("f"), .long], help: "Filter output based on conditions provided (KEY=VALUE).")
    var filter: [String] = []
    @Option(name: [.customShort("n"), .customLong("last")], help: "Show n last created containers (includes all states).")
    var last: Int = -1
    @Flag(name: [.customShort("l"), .long], help: "Show the latest created container (includes all states).")
    var latest = false
    @Flag(name: [.customShort("s"), .long], help: "Display total file sizes.")
    var size = false

    mutating func run() throws {
        let runtime = try global.runtime()
        let now = Date()
        let shown = try selected(runtime)
        let layout = size ? Self.sizeLayout : Self.layout
        try Listing(format: format.map(Self.rewritingLabelCalls), quiet: quiet, noTrunc: noTrunc, layout: layout)
            .print(shown.map { ContainerRow(state: $0, runtime: runtime, now: now, withSize: size || (format ?? "").contains(".Size")) })
    }

    /// swrun's own `ps` table: columns three spaces apart, none of docker's minimum width.
    static let layout = ListingLayout.columns([
        ("CONTAINER ID", "ID"), ("IMAGE", "Image"), ("COMMAND", "Command"), ("CREATED", "RunningFor"),
        ("STATUS", "Status"), ("PORTS", "Ports"), ("NAMES", "Names"),
    ])
    static let sizeLayout = ListingLayout.columns([
        ("CONTAINER ID", "ID"), ("IMAGE", "Image"), ("COMMAND", "Command"), ("CREATED", "RunningFor"),
        ("STATUS", "Status"), ("PORTS", "Ports"), ("NAMES", "Names"), ("SIZE", "Size"),
    ])

    /// docker's STATUS; `restarting`: its restart policy is starting it again.
    static func status(_ c: ContainerState, now: Date, restarting: Bool = false) -> String {
        if c.isRunning { return "Up " + HumanTime.duration(now.timeIntervalSince(c.startedAt ?? c.created)) }
        if restarting { return "Restarting (\(c.exitCode)) " + HumanTime.ago(c.finishedAt ?? c.created, now: now) }
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

/// One container as docker's `ps --format` fields.
struct ContainerRow: ListingRow {
    var state: ContainerState
    var runtime: ContainerRuntime
    var now: Date
    /// Measure the writable layer for `Size` (docker measures only with `-s`).
    var withSize = false

    static let titles = [
        "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT", "RunningFor": "CREATED",
        "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Names": "NAMES", "Size": "SIZE", "Labels": "LABELS",
        "Mounts": "MOUNTS", "Networks": "NETWORKS",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        let c = state
        var command = c.command.joined(separator: " ")
        if !noTrunc && command.count > 20 { command = String(command.prefix(19)) + "…" }
        let paused = c.isRunning && runtime.isPaused(c)
        let restarting = !c.isRunning && runtime.isRestarting(c)
        var status = Ps.status(c, now: now, restarting: restarting)
        if paused { status += " (Paused)" }
        if c.isRunning && !paused, let health = runtime.health(of: c) {
            status += health.status == "starting" ? " (health: starting)" : " (\(health.status))"
        }
        let state = paused ? "paused" : c.isRunning ? "running" : restarting ? "restarting" : c.status == .created ? "created" : "exited"
        return [
            "ID": .string(noTrunc ? c.id : c.shortID), "Image": .string(c.image), "Command": .string("\"\(command)\""),
            "CreatedAt": .string(Timestamps.format(c.created)), "RunningFor": .string(HumanTime.ago(c.created, now: now)),
            "Ports": .string(c.isRunning ? ((try? runtime.networkAttachment(of: c.id)) ?? nil)?.portsColumn ?? "" : ""),
            "State": .string(state), "Status": .string(status), "Size": .string(withSize ? sizeColumn() : "0B"), "Names": .string(c.name),
            "Labels": .string((c.labels ?? [:]).sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: ",")),
            "LabelMap": .map(TemplateFields((c.labels ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, TemplateValue.string($0.value)) })),
            "Mounts": "", "Networks": .string(c.network.map { $0.isEmpty ? "bridge" : $0 } ?? "none"),
        ]
    }

    func quietValue(noTrunc: Bool) -> String {
        noTrunc ? state.id : state.shortID
    }
}
