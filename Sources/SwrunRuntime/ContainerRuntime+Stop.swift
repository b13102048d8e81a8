import FoundationEssentials
import Glibc
import SwrunOS

extension ContainerRuntime {
    /// docker's default grace period before `stop` escalates to SIGKILL.
    public static let defaultStopTimeout = 10

    /// Stops a running container as `docker stop`: `signal` to PID 1, up to `timeout`
    /// seconds (default 10; negative waits forever) for it to end, then SIGKILL. Returns
    /// once PID 1 is dead. A container that is not running is left as it is.
    /// A restart policy is held until the next `start`, also for a container waiting
    /// out its restart backoff.
    public func stop(_ state: ContainerState, timeout: Int? = nil, signal: Int32 = SIGTERM) throws {
        if state.restartPolicy != nil { markStoppedByUser(state.id, true) }
        let state = endRestart(state)
        guard state.isRunning else { return }
        let seconds = timeout ?? Self.defaultStopTimeout
        if seconds != 0 {
            // Recorded first: the monitor records `die` as soon as PID 1 ends.
            containers.recordEvent("kill", of: state, extra: ["signal": String(signal)])
            try deliver(signal, to: state)
            if waitForExit(of: state, seconds: seconds < 0 ? nil : Double(seconds)) {
                recordStop(state)
                return
            }
            logger.debug("container \(state.shortID) still running \(seconds) s after signal \(signal): SIGKILL")
        }
        containers.recordEvent("kill", of: state, extra: ["signal": String(SIGKILL)])
        try deliver(SIGKILL, to: state)
        guard waitForExit(of: state, seconds: 10) else {
            throw SwrunError(.system, "stop \(state.shortID): PID \(state.pid) still alive 10 s after SIGKILL")
        }
        recordStop(state)
    }

    /// `stop` follows the monitor's `die`, as in docker: `wait` returns once the exit
    /// is recorded, which the monitor does after `die`.
    private func recordStop(_ state: ContainerState) {
        _ = try? wait(state)
        containers.recordEvent("stop", of: state)
    }

    /// Sends `signal` to the container's PID 1 (`docker kill`).
    public func kill(_ state: ContainerState, signal: Int32) throws {
        guard state.isRunning else {
            throw SwrunError(.conflict, "Container \(state.id) is not running")
        }
        if state.restartPolicy != nil { markStoppedByUser(state.id, true) }
        containers.recordEvent("kill", of: state, extra: ["signal": String(signal)])
        try deliver(signal, to: state)
    }

    /// Blocks until the container is not running and returns its exit code
    /// (`docker wait`; a created container answers at once). A container removed
    /// meanwhile (`--rm`) yields the code when its exit record was seen, else 0; one
    /// whose PID 1 vanished with nobody left to record how (its client was SIGKILLed)
    /// yields 255, as docker reports containers it lost.
    public func wait(_ state: ContainerState) throws -> Int32 {
        let id = state.id
        let directory = containers.path(of: id)
        let exitPath = directory + "/" + ExitRecord.fileName
        // Held until this returns, so a --rm container's monitor writes the record
        // and keeps it (and the directory) until it has been read.
        let lock = try? FileLock.openDirectory(directory)
        if let lock { try? FileLock.lockShared(lock, path: directory) }
        defer { if let lock { close(lock) } }
        // Made before the first look: the record's rename, a new state.json or the
        // directory going wakes every wait below.
        let changes = DirectoryWatch(directory)
        var current = state
        var goneSince: ContinuousClock.Instant?
        while true {
            if let record = ExitRecord.read(exitPath) { return record.exitCode }
            switch current.status {
            case .exited, .created:
                // docker's default condition, "not-running", holds for a created container too.
                return current.exitCode
            case .running where current.isRunning:
                goneSince = nil
                Self.awaitExit(of: current.pid, changes: changes)
            case .running:
                // PID 1 is gone: its monitor (or foreground client) is about to record the
                // code. Only when no recorder is alive does the wait give up.
                if let monitor = current.monitorPid, Self.isAlive(monitor) {
                    goneSince = nil
                    Self.awaitExit(of: monitor, changes: changes)
                } else {
                    let since = goneSince ?? .now
                    goneSince = since
                    if !Self.awaitExit(of: nil, changes: changes, deadline: since + .seconds(2)) { return 255 }
                }
            }
            guard FileIO.exists(directory) else { return 0 }
            guard let next = try? containers.load(id) else {
                if let record = ExitRecord.read(exitPath) { return record.exitCode }
                return 0
            }
            current = next
        }
    }

    /// Signals PID 1; SIGKILL to a frozen container also thaws it, since frozen tasks
    /// on cgroup v1 only die once they run again.
    private func deliver(_ signal: Int32, to state: ContainerState) throws {
        guard Glibc.kill(state.pid, signal) == 0 else {
            if errno == ESRCH { return }
            throw SwrunError.system("kill \(state.pid) signal \(signal)")
        }
        if signal == SIGKILL && isPaused(state) {
            try cgroup(for: state).thaw()
        }
    }

    /// Blocks until PID 1 is gone or its exit is recorded; nil waits forever. True when
    /// it ended in time.
    private func waitForExit(of state: ContainerState, seconds: Double?) -> Bool {
        let exitPath = containers.path(of: state.id) + "/" + ExitRecord.fileName
        guard state.isRunning && !FileIO.exists(exitPath) else { return true }
        return Self.awaitExit(of: state.pid, deadline: seconds.map { .now + .seconds($0) },
                              isSame: { !FileIO.exists(exitPath) })
    }

    /// True when `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, Glibc.kill(pid, 0) == 0 || errno != ESRCH else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }
}
