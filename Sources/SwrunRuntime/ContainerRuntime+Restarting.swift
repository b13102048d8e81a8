import FoundationEssentials
import Glibc
import SwrunOS

extension ContainerRuntime {
    /// Whether the container's restart policy is restarting it: its monitor waits out
    /// the backoff, or has become the `swrun start` of the next run (docker's
    /// "restarting", which docker counts as running too).
    public func isRestarting(_ state: ContainerState) -> Bool {
        restarterPid(of: state) != nil
    }

    /// The process restarting the container (`RestartingRecord`), if any.
    func restarterPid(of state: ContainerState) -> Int32? {
        guard state.restartPolicy != nil, state.status == .exited || (state.status == .running && !state.isRunning) else { return nil }
        return RestartingRecord.livePid(in: containers.path(of: state.id))
    }

    /// Ends a restart in progress for `stop` and `rm -f`, which have marked the stop
    /// first: SIGTERM wakes a monitor in its backoff, which then finds the marker and
    /// exits; a restarter already past it (`swrun start`, which ignores SIGTERM) is
    /// waited for. Returns the state after it: running when that start won the race.
    func endRestart(_ state: ContainerState) -> ContainerState {
        guard let pid = restarterPid(of: state) else { return state }
        let directory = containers.path(of: state.id)
        Glibc.kill(pid, SIGTERM)
        Self.awaitExit(of: pid, deadline: .now + .seconds(10), isSame: { RestartingRecord.livePid(in: directory) == pid })
        return (try? containers.load(state.id)) ?? state
    }
}
