import FoundationEssentials
import Glibc
import SwrunOS

/// `--restart no|on-failure[:N]|always|unless-stopped`, checked as docker checks it.
/// The container's monitor carries it out (the `restart-policy` file in the container's
/// directory, read when PID 1 ends, so `update --restart` reaches a running one).
public struct RestartPolicy: Codable, Sendable, Equatable {
    /// "no", "on-failure", "always" or "unless-stopped".
    public var name: String
    public var maximumRetryCount: Int

    public static let none = RestartPolicy(name: "no", maximumRetryCount: 0)

    public init(name: String, maximumRetryCount: Int) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    /// docker's CLI parse and daemon checks, with their words.
    public init(parsing text: String) throws {
        var name = text
        var count = 0
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon])
            if name.isEmpty {
                throw SwrunError(.invalidArgument, "invalid restart policy format: no policy provided before colon")
            }
            let value = text[text.index(after: colon)...]
            if !value.isEmpty {
                guard let number = Int(value) else {
                    throw SwrunError(.invalidArgument, "invalid restart policy format: maximum retry count must be an integer")
                }
                count = number
            }
        }
        switch name {
        case "", "no", "always", "unless-stopped", "on-failure": break
        default:
            throw SwrunError(.invalidArgument,
                             "invalid restart policy: unknown policy '\(name)'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'")
        }
        if count != 0 && name != "on-failure" {
            throw SwrunError(.invalidArgument, "invalid restart policy: maximum retry count can only be used with 'on-failure'")
        }
        if count < 0 { throw SwrunError(.invalidArgument, "invalid restart policy: maximum retry count cannot be negative") }
        self.init(name: name.isEmpty ? "no" : name, maximumRetryCount: count)
    }

    public var isNone: Bool { name == "no" }

    /// The monitor's form: "always", "unless-stopped", "on-failure N".
    var fileText: String { name == "on-failure" ? "on-failure \(maximumRetryCount)\n" : name + "\n" }

    /// The file the monitor reads; absent for "no".
    static let fileName = "restart-policy"
    /// Written by `stop` and `kill`: the policy is not applied until the next `start`.
    static let stoppedMarker = "stopped-by-user"
}

extension ContainerRuntime {
    /// The swrun binary running now, which a monitor runs to restart its container.
    static let swrunBinaryPath: String =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]

    /// Records `policy` for the container's monitor (and in its state).
    public func setRestartPolicy(_ policy: RestartPolicy, of state: inout ContainerState) throws {
        let path = containers.path(of: state.id) + "/" + RestartPolicy.fileName
        if policy.isNone {
            if unlink(path) != 0 && errno != ENOENT { throw SwrunError.system("remove \(path)") }
        } else {
            try FileIO.writeFile(path, policy.fileText)
        }
        state.restartPolicy = policy.isNone ? nil : policy
    }

    /// Marks (or clears) that the user stopped the container: its monitor then does not
    /// restart it, and `start --all-restartable` skips it when unless-stopped.
    func markStoppedByUser(_ id: String, _ stopped: Bool) {
        let path = containers.path(of: id) + "/" + RestartPolicy.stoppedMarker
        if stopped {
            try? FileIO.writeFile(path, "")
        } else {
            unlink(path)
        }
    }

    /// Whether a boot should start the container again: it has run and is not running
    /// now, and its policy is always, or unless-stopped and it was not stopped by the
    /// user (docker's daemon at its start). A created one was never started: no.
    public func isRestartable(_ state: ContainerState) -> Bool {
        guard state.status != .created, !state.isRunning, let policy = state.restartPolicy else { return false }
        switch policy.name {
        case "always": return true
        case "unless-stopped": return !FileIO.exists(containers.path(of: state.id) + "/" + RestartPolicy.stoppedMarker)
        default: return false
        }
    }
}
