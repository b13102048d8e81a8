import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS

/// How `exec` is asked to run a process in a container.
public struct OCIExecOptions: Sendable {
    public var process: RuntimeSpec.Process
    public var detach = false
    public var pidFile: String?
    public var consoleSocket: String?
    public var preserveFDs: Int = 0
    public init(process: RuntimeSpec.Process) { self.process = process }
}

extension OCIRuntime {
    /// `exec`: a new process in a running container's namespaces and cgroup, with the
    /// container's seccomp filter and the process's own user, capabilities and limits.
    /// Returns its host PID; it is this process's child, to wait for unless detached.
    public func exec(_ id: String, options: OCIExecOptions) throws -> Int32 {
        let record = try load(id)
        let status = status(of: record)
        guard status == "running" || status == "created" else {
            throw SwrunError(.conflict, status == "paused" ? "cannot exec in a paused container" : "cannot exec in a stopped container")
        }
        var spec = try spec(of: id)
        spec.process = options.process
        var config = try InitConfig(spec: spec, rootfs: .directory(record.rootfs), bundle: record.bundle)
        var tty = config.tty
        if tty && options.consoleSocket == nil && !options.detach {
            // In the foreground without a console socket, the caller's own terminal serves.
            tty = false
            config.tty = false
        }
        try Self.checkTerminal(tty: tty, consoleSocket: options.consoleSocket)
        config.runtimeMode = true
        config.consoleSocket = options.consoleSocket.map(Self.absolute) ?? ""
        config.preserveFDs = UInt64(options.preserveFDs)
        config.joinPid = record.pid
        let cgroup = cgroup(of: record)
        config.joinContainerID = cgroup.path
        config.place(in: cgroup, cgroupRoot: cgroupRoot)
        config.cgroupDirectories = []

        let client = try MonitorClient.spawnForRuntime(config: config, preservedFDs: options.preserveFDs)
        defer { client.hangUp() }
        let pid = try client.waitStarted()
        if let pidFile = options.pidFile { try Self.writePidFile(pidFile, pid: pid) }
        return pid
    }

    /// Waits for a child (the init of `run`, a foreground `exec`) and returns its exit
    /// code as a shell reports it: the code, or 128+N for signal N.
    public static func waitExitCode(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 255 }
        }
        return ContainerRuntime.exitCode(status)
    }
}
