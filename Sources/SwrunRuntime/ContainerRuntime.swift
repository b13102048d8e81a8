import FoundationEssentials
import Glibc
import Logging
import SwrunCgroups
import SwrunOS

/// Creates, starts and cleans up containers in one store root.
public final class ContainerRuntime: @unchecked Sendable {
    public let root: String
    public let containers: ContainerStore
    let logger: Logger
    let cgroupRoot: String

    public init(root: String, logger: Logger, cgroupRoot: String = Cgroups.defaultRoot) throws {
        self.root = root
        self.logger = logger
        self.cgroupRoot = cgroupRoot
        self.containers = try ContainerStore(root: root)
    }

    /// A cgroup manager for the container.
    func cgroup(for state: ContainerState) -> any CgroupManager {
        Cgroups.manager(root: cgroupRoot, parent: state.cgroupParent, name: state.id)
    }

    /// Removes a stopped container: its cgroup and its directory. A running one is
    /// refused unless `force`, which kills it first.
    public func remove(_ state: ContainerState, force: Bool) throws {
        var state = state
        if isRestarting(state) {
            guard force else {
                throw SwrunError(.conflict, "cannot remove container \(state.shortID): container is restarting: stop the container before removing or force remove")
            }
            markStoppedByUser(state.id, true)
            state = endRestart(state)
        }
        if state.isRunning {
            guard force else {
                throw SwrunError(.conflict, "cannot remove container \(state.shortID): container is running: stop the container before removing or force remove")
            }
            containers.recordEvent("kill", of: state, extra: ["signal": String(SIGKILL)])
            Glibc.kill(state.pid, SIGKILL)
        }
        // Let the monitor record the exit and finish its own cleanup first.
        awaitMonitor(of: state, seconds: 4)
        // A monitor that was killed never released the network: do it here.
        try detachNetwork(of: state.id)
        try cgroup(for: state).destroy()
        try containers.remove(state.id)
        containers.recordEvent("destroy", of: state)
    }
}

/// Measures the steps of the start path for `--log-level debug`.
struct StepClock {
    let logger: Logger
    private var last = StepClock.now()

    init(logger: Logger) { self.logger = logger }

    mutating func step(_ name: @autoclosure () -> String) {
        let now = Self.now()
        if logger.logLevel <= .debug {
            let hundredths = (now - last + 5_000) / 10_000
            let fraction = hundredths % 100
            logger.debug("\(name()): \(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) ms")
        }
        last = now
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
