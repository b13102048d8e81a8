import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOS

extension ContainerRuntime {
    /// Freezes every process of a running container (`docker pause`).
    public func pause(_ state: ContainerState) throws {
        guard state.isRunning else { throw SwrunError(.conflict, "Container \(state.id) is not running") }
        guard !isPaused(state) else { throw SwrunError(.conflict, "Container \(state.id) is already paused") }
        try cgroup(for: state).freeze()
        containers.recordEvent("pause", of: state)
    }

    /// Lets a paused container run again (`docker unpause`).
    public func unpause(_ state: ContainerState) throws {
        guard state.isRunning, isPaused(state) else {
            throw SwrunError(.conflict, "Container \(state.id) is not paused")
        }
        try cgroup(for: state).thaw()
        containers.recordEvent("unpause", of: state)
    }

    /// Runs `body` with the container frozen, so that what it reads of the
    /// container's filesystem is one consistent moment (`commit --pause`), and thaws
    /// it afterwards whatever happens. A container that is not running, or that is
    /// paused already (the user's pause stays), is left as it is.
    public func withPaused<T>(_ state: ContainerState, _ body: () throws -> T) throws -> T {
        let freeze = state.isRunning && !isPaused(state)
        if freeze { try pause(state) }
        defer { if freeze { try? unpause(state) } }
        return try body()
    }

    /// Whether the container's cgroup is frozen, read live from the freezer: nothing in
    /// state.json can go stale after a crash. FREEZING counts as paused, as the freezer
    /// is on its way there.
    public func isPaused(_ state: ContainerState) -> Bool {
        let components = state.cgroupParent.split(separator: "/").map(String.init) + [state.id]
        let relative = "/" + components.joined(separator: "/")
        switch Cgroups.detectVersion(root: cgroupRoot) {
        case .v1:
            guard let value = try? FileIO.readString(cgroupRoot + "/freezer" + relative + "/freezer.state") else { return false }
            return value.hasPrefix("FROZEN") || value.hasPrefix("FREEZING")
        case .v2:
            guard let value = try? FileIO.readString(cgroupRoot + relative + "/cgroup.freeze") else { return false }
            return value.hasPrefix("1")
        }
    }

    /// The host PIDs of every process in the container's cgroup (`docker top`).
    public func processIDs(_ state: ContainerState) throws -> [Int32] {
        guard state.isRunning else { throw SwrunError(.conflict, "Container \(state.id) is not running") }
        return try cgroup(for: state).pids()
    }
}
