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

    /// The attributes every event of the container carries (docker's `name` and
    /// `image`), kept for the monitor; `rename` writes them again.
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
    /// `die` with docker's `exitCode`.
    public func recordExit(code: Int32, oomKilled: Bool) {
        try? log.append((oomKilled ? [event("oom")] : []) + [event("die", extra: ["exitCode": String(code)])])
    }
}
