import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS

extension OCIRuntime {
    /// `kill`: a signal to the init, or with `all` to every process in the cgroup.
    public func kill(_ id: String, signal: Int32, all: Bool) throws {
        let record = try load(id)
        let status = status(of: record)
        guard status != "stopped" && status != "creating" else {
            throw SwrunError(.conflict, "container not running")
        }
        if all {
            let cgroup = cgroup(of: record)
            for pid in (try? cgroup.pids()) ?? [] { _ = Glibc.kill(pid, signal) }
            // A frozen process takes a SIGKILL only once thawed.
            if status == "paused" && signal == SIGKILL { try? cgroup.thaw() }
            return
        }
        // Through a pidfd checked against the start time: never a reused PID.
        let pidfd = sw_pidfd_open(record.pid, 0)
        guard pidfd >= 0, Self.isAlive(pid: record.pid, startTime: record.pidStartTime) else {
            if pidfd >= 0 { close(pidfd) }
            throw SwrunError(.conflict, "container not running")
        }
        defer { close(pidfd) }
        guard sw_pidfd_send_signal(pidfd, signal) == 0 else { throw SwrunError.system("kill \(record.pid)") }
    }

    /// `delete`: removes a stopped (or created) container: its cgroup, the poststop
    /// hooks, its state. `force` kills a running one first.
    public func delete(_ id: String, force: Bool) throws {
        let record: Record
        do {
            record = try load(id)
        } catch let error as SwrunError where error.code == .notFound && force {
            return
        }
        let status = status(of: record)
        // The spec: deleting a container that is not stopped is an error (runc lets a
        // created one go; containerd and conmon pass --force where they mean it).
        if status != "stopped" && status != "creating" && !force {
            throw SwrunError(.conflict, "cannot delete container \(id) that is not stopped: \(status)")
        }
        let cgroup = cgroup(of: record)
        if status != "stopped" && record.pid > 0 {
            let pidfd = sw_pidfd_open(record.pid, 0)
            if Self.isAlive(pid: record.pid, startTime: record.pidStartTime) { _ = Glibc.kill(record.pid, SIGKILL) }
            if status == "paused" { try? cgroup.thaw() }
            if pidfd >= 0 {
                // Readable once the process has exited (reaped or not).
                var pfd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, 10_000)
                close(pidfd)
            }
        }
        try cgroup.destroy()
        if let spec = try? spec(of: id) {
            var stopped = state(of: record)
            stopped.status = "stopped"
            stopped.pid = nil
            for hook in spec.hooks?.poststop ?? [] {
                do { try Self.run(hook, state: stopped) } catch {
                    try? FileIO.writeAll(2, Array("swrun-oci: warning: poststop hook: \(error)\n".utf8))
                }
            }
        }
        try FileIO.removeTree(directory(of: id))
    }

    /// `pause`: freezes every process of the container.
    public func pause(_ id: String) throws {
        let record = try load(id)
        let status = status(of: record)
        guard status == "running" || status == "created" else { throw SwrunError(.conflict, "container not running") }
        try cgroup(of: record).freeze()
    }

    /// `resume`: thaws a paused container.
    public func resume(_ id: String) throws {
        let record = try load(id)
        guard status(of: record) == "paused" else { throw SwrunError(.conflict, "container not paused") }
        try cgroup(of: record).thaw()
    }

    /// `ps`: the host PIDs in the container's cgroup.
    public func pids(_ id: String) throws -> [Int32] {
        let record = try load(id)
        return try cgroup(of: record).pids().sorted()
    }

    /// `update`: new resources, applied to the cgroup and kept in the stored spec.
    public func update(_ id: String, resources: RuntimeSpec.Resources) throws {
        let record = try load(id)
        guard status(of: record) != "stopped" else { throw SwrunError(.conflict, "container not running") }
        var spec = try spec(of: id)
        var merged = spec.linux?.resources ?? RuntimeSpec.Resources()
        if let memory = resources.memory {
            var m = merged.memory ?? RuntimeSpec.Resources.Memory()
            if let v = memory.limit { m.limit = v }
            if let v = memory.swap { m.swap = v }
            if let v = memory.reservation { m.reservation = v }
            merged.memory = m
        }
        if let cpu = resources.cpu {
            var c = merged.cpu ?? RuntimeSpec.Resources.CPU()
            if let v = cpu.shares { c.shares = v }
            if let v = cpu.quota { c.quota = v }
            if let v = cpu.period { c.period = v }
            if let v = cpu.cpus { c.cpus = v }
            if let v = cpu.mems { c.mems = v }
            merged.cpu = c
        }
        if let pids = resources.pids { merged.pids = pids }
        var limits = CgroupLimits(resources: merged)
        // update never touches the device rules set at create.
        limits.restrictDevices = false
        try cgroup(of: record).create(limits: limits)
        if spec.linux == nil { spec.linux = RuntimeSpec.Linux() }
        spec.linux?.resources = merged
        try FileIO.writeDurably(at: directory(of: id) + "/config.json", bytes: try spec.encoded(pretty: false), mode: 0o600)
    }
}

extension OCIRuntime {
    /// `events --stats`: the container's cgroup usage now.
    public func stats(_ id: String) throws -> CgroupStats {
        let record = try load(id)
        guard status(of: record) != "stopped" else { throw SwrunError(.conflict, "container not running") }
        return cgroup(of: record).stats()
    }

    /// Whether the container's init still runs (for `events`, which follows it).
    public func isRunning(_ id: String) -> Bool {
        guard let record = try? load(id) else { return false }
        return status(of: record) != "stopped"
    }
}
