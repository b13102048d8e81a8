import CSwrun
import FoundationEssentials
import Glibc
import SwrunOS

extension ContainerRuntime {
    /// `swrun attach`: relays between the user and a running container through its
    /// monitor's attach socket, as one more client beside any others, until the
    /// container ends (its exit code) or the user detaches (with a terminal).
    public func attach(_ state: ContainerState, options: AttachOptions) throws -> AttachResult {
        let stopped = SwrunError(.conflict, "You cannot attach to a stopped container, start it first")
        guard state.isRunning else { throw stopped }
        if isPaused(state) { throw SwrunError(.conflict, "You cannot attach to a paused container, unpause it first") }
        let client: MonitorClient
        do {
            client = try MonitorClient.connect(containerDirectory: containers.path(of: state.id), monitorPid: state.monitorPid ?? 0)
        } catch {
            // No socket: the container ended meanwhile.
            throw stopped
        }
        client.send(.attach(stdin: options.stdin))
        if options.tty {
            // The container's terminal takes this client's size, as `run -it` starts with its own.
            var rows: UInt16 = 0
            var columns: UInt16 = 0
            if sw_get_winsize(0, &rows, &columns) == 0 || sw_get_winsize(1, &rows, &columns) == 0, rows > 0 {
                client.send(.resize(rows: UInt64(rows), columns: UInt64(columns)))
            }
        }
        let result = try client.attach(options, containerPid: state.pid)
        if case .exited = result { client.hangUp() }
        return result
    }
}
