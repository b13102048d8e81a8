import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOS
import SwrunSecurity

/// What `swrun exec` was asked for.
public struct ExecOptions: Sendable {
    public var command: [String] = []
    /// `-e` / `--env-file` entries, added to the container's environment.
    public var env: [String] = []
    public var workdir: String?
    public var user: String?
    public var privileged = false
    public var tty = false
    public var interactive = false

    public init() {}
}

extension ContainerRuntime {
    /// `swrun exec`: a new process in a running container's namespaces and cgroup, with
    /// its confinement (capabilities, seccomp, no_new_privs), its environment plus `-e`,
    /// its working dir and user unless overridden.
    public func exec(_ state: ContainerState, options: ExecOptions, detach: Bool, attach: AttachOptions) throws -> RunOutcome {
        guard state.isRunning else {
            throw SwrunError(.conflict, "container \(state.shortID) is not running")
        }
        if isPaused(state) {
            throw SwrunError(.conflict, "container \(state.shortID) is paused, unpause the container before exec")
        }
        guard !options.command.isEmpty else { throw SwrunError(.invalidArgument, "no command specified") }
        let base = try InitConfig(decoding: FileIO.readFile(containers.initConfigPath(of: state.id)))

        var config = InitConfig()
        config.joinPid = state.pid
        config.joinContainerID = state.id
        config.args = options.command
        config.env = ContainerSpec.mergeEnvironment(image: base.env, overrides: options.env,
                                                    hostEnv: ProcessInfo.processInfo.environment)
        if options.tty && !config.env.contains(where: { $0.hasPrefix("TERM=") }) { config.env.append("TERM=xterm") }
        let cwd = options.workdir ?? base.cwd
        guard cwd.hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "the working directory '\(cwd)' is invalid, it needs to be an absolute path")
        }
        config.cwd = cwd
        config.user = options.user ?? base.user
        config.additionalGroups = options.user == nil ? base.additionalGroups : []
        config.rlimits = base.rlimits
        config.oomScoreAdj = base.oomScoreAdj  // as runc: an exec gets the container's OOM score
        config.noNewPrivileges = base.noNewPrivileges
        if options.privileged {
            config.capabilities = CapabilitySet.all().mask
        } else {
            config.capabilities = base.capabilities
            config.seccompFilter = base.seccompFilter
        }
        config.tty = options.tty
        config.openStdin = options.interactive
        if options.tty {
            var rows: UInt16 = 0
            var cols: UInt16 = 0
            if sw_get_winsize(0, &rows, &cols) == 0, rows > 0 {
                config.terminalRows = UInt64(rows)
                config.terminalColumns = UInt64(cols)
            }
        }
        let cgroup = self.cgroup(for: state)
        if let unified = cgroup.unifiedDirectory {
            config.cgroupDirectory = unified
        } else {
            config.cgroupProcsFiles = cgroup.procsFiles
        }

        // docker's exec events: create and start now, exec_die from the exec's monitor.
        let events = ContainerEvents(containerDirectory: containers.path(of: state.id))
        config.execEventsDirectory = events.containerDirectory
        config.execID = Self.newID()
        events.recordExecStart(execID: config.execID, command: options.command, attributes: ContainerStore.eventAttributes(state))

        let client = try MonitorClient.spawn(config: config)
        let pid = try client.waitStarted()
        if detach {
            client.disconnect()
            return .running(id: state.id)
        }
        switch try client.attach(attach, containerPid: pid) {
        case .detached:
            containers.recordEvent("exec_detach", of: state, extra: ["execID": config.execID])
            return .running(id: state.id)
        case .exited(let code):
            client.hangUp()
            return .exited(code)
        }
    }
}
