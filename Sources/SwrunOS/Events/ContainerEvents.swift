#if canImport(Glibc)
import Glibc
#endif

/// A container's events from wherever they happen: swrun's commands and the monitor,
/// which records how PID 1 ended even when no client is attached. The container's
/// attributes (name, image) live in its directory's `actor` file, so the monitor needs
/// neither the state record nor a JSON reader.
public struct ContainerEvents: Sendable {
    public static let actorFileName = "actor"

    /// `<root>/containers/<id>`.
    public let containerDirectory: String

    public init(containerDirectory: String) {
        self.containerDirectory = containerDirectory
    }

    public var id: String { FileIO.baseName(containerDirectory) }
    var root: String { FileIO.parentPath(FileIO.parentPath(containerDirectory)) }
    var log: EventLog { EventLog(root: root) }

    /// The attributes every event of the container carries (docker's: its labels,
    /// `name` and `image`), kept for the monitor; `rename` writes them again.
    public func writeAttributes(_ attributes: [String: String]) throws {
        try FileIO.writeFile(containerDirectory + "/" + Self.actorFileName, RecordedEvent.encodeAttributes(attributes) + "\n", mode: 0o600)
    }

    public var attributes: [String: String] {
        (try? FileIO.readString(containerDirectory + "/" + Self.actorFileName)).map(RecordedEvent.decodeAttributes) ?? [:]
    }

    /// The event `action` of the container, with its attributes and `extra` ones.
    public func event(_ action: String, extra: [String: String] = [:]) -> RecordedEvent {
        RecordedEvent(type: "container", action: action, actorID: id, attributes: attributes.merging(extra) { $1 })
    }

    /// Records the container's events `actions` in order, each with the `extra` attributes.
    public func record(_ actions: [String], extra: [String: String] = [:]) {
        try? log.append(actions.map { event($0, extra: extra) })
    }

    /// Appends an event made earlier (a --rm container's `destroy`, made while its
    /// `actor` file was still there).
    public func append(_ event: RecordedEvent) {
        try? log.append([event])
    }

    /// The monitor's record of PID 1's end: `oom` when the OOM killer struck, then
    /// `die` with docker's `exitCode` and `execDuration` (whole seconds it ran).
    public func recordExit(code: Int32, oomKilled: Bool, ranSeconds: Int64) {
        let die = event("die", extra: ["exitCode": String(code), "execDuration": String(ranSeconds)])
        try? log.append((oomKilled ? [event("oom")] : []) + [die])
    }

    /// docker's action of an exec event: "exec_create: CMD ARGS" (a space after CMD
    /// even with no arguments, as docker writes it).
    public static func execAction(_ kind: String, command: [String]) -> String {
        kind + ": " + (command.first ?? "") + " " + command.dropFirst().joined(separator: " ")
    }

    /// `swrun exec`'s `exec_create` and `exec_start`, in one append, with the
    /// container's `attributes` (the exec client has them from its state record,
    /// so it reads no `actor` file).
    public func recordExecStart(execID: String, command: [String], attributes: [String: String]) {
        let extra = attributes.merging(["execID": execID]) { $1 }
        try? log.append(["exec_create", "exec_start"].map {
            RecordedEvent(type: "container", action: Self.execAction($0, command: command), actorID: id, attributes: extra)
        })
    }

    /// The exec monitor's record of its process' end: docker's `exec_die` with
    /// `execID` and `exitCode`.
    public func recordExecDie(execID: String, code: Int32) {
        try? log.append([event("exec_die", extra: ["execID": execID, "exitCode": String(code)])])
    }
}
