import Foundation

/// A container's record in `containers/<id>/state.json`.
public struct ContainerState: Codable, Sendable {
    public enum Status: String, Codable, Sendable {
        case created, running, exited
    }
    public var id: String
    public var name: String
    /// The image name the user gave.
    public var image: String
    public var imageID: String
    /// The command that runs (entrypoint + cmd).
    public var command: [String]
    public var created: Date
    public var status: Status
    /// Host PID of the container's PID 1 while running.
    public var pid: Int32
    public var exitCode: Int32
    public var startedAt: Date?
    public var finishedAt: Date?
    public var oomKilled: Bool
    public var autoRemove: Bool
    public var hostname: String
    /// The cgroup path relative to each hierarchy root ("/swrun/<id>").
    public var cgroupParent: String

    public var shortID: String { String(id.prefix(12)) }

    /// True when the state says running and PID 1 is really alive; a client killed with
    /// SIGKILL leaves "running" behind, and listing must not believe it.
    public var isRunning: Bool {
        guard status == .running, pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        // A zombie is not running either.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.first == "Z" { return false }
        }
        return true
    }
}
