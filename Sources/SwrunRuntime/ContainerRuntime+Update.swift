import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS

/// `docker update`'s flags as given: nil leaves a setting as it is.
public struct ResourceUpdate: Sendable, Equatable {
    public var memory: Int64?
    /// Memory plus swap; -1 is unlimited swap.
    public var memorySwap: Int64?
    public var memoryReservation: Int64?
    /// `--cpus` (docker's NanoCpus / 1e9).
    public var cpus: Double?
    public var cpuShares: UInt64?
    public var cpuQuota: Int64?
    public var cpuPeriod: Int64?
    public var cpusetCpus: String?
    /// 0 or less: unlimited.
    public var pidsLimit: Int64?
    /// `no`, `always`, `unless-stopped`, `on-failure[:N]`.
    public var restartPolicy: String?

    public init() {}

    /// docker's smallest memory limit and reservation.
    public static let minimumMemory = ContainerOptions.minimumMemory

    public var isEmpty: Bool { self == ResourceUpdate() }

    /// The checks docker's daemon makes of the values alone, in its words: run's
    /// (`ContainerOptions.checkResources`), where an update may set `--memory-swap`
    /// alone. `cpuCount` and `onlineCPUs` are the host's unless given.
    public func validate(cpuCount: @autoclosure () -> Int = ContainerOptions.hostCPUCount(),
                         onlineCPUs: @autoclosure () -> String? = ContainerOptions.hostList("/sys/devices/system/cpu/online")) throws {
        try ContainerOptions.checkResources(
            memory: memory ?? 0, memorySwap: memorySwap ?? 0, memoryReservation: memoryReservation ?? 0, cpus: cpus ?? 0,
            cpuPeriod: cpuPeriod ?? 0, cpuQuota: cpuQuota ?? 0, cpusetCpus: cpusetCpus, forUpdate: true,
            cpuCount: cpuCount(), onlineCPUs: onlineCPUs())
        if let restartPolicy { _ = try RestartPolicy(parsing: restartPolicy) }
    }

    /// `validate` on a host with `onlineCPUs` CPUs, all online.
    public func validate(onlineCPUs: Int) throws {
        try validate(cpuCount: onlineCPUs, onlineCPUs: "0-\(onlineCPUs - 1)")
    }

    /// `limits` with the update applied, refusing what docker refuses against the
    /// current values (a CPU limit set one way cannot be changed the other).
    public func applied(to limits: CgroupLimits) throws -> CgroupLimits {
        func conflict(_ message: String) -> SwrunError { SwrunError(.conflict, "Conflicting options: " + message) }
        let hasNanoCPUs = limits.cpus != nil && limits.cfsQuota == nil && limits.cfsPeriod == nil
        if cpus != nil && limits.cfsPeriod != nil { throw conflict("Nano CPUs cannot be updated as CPU Period has already been set") }
        if cpus != nil && limits.cfsQuota != nil { throw conflict("Nano CPUs cannot be updated as CPU Quota has already been set") }
        if cpuPeriod != nil && hasNanoCPUs { throw conflict("CPU Period cannot be updated as NanoCPUs has already been set") }
        if cpuQuota != nil && hasNanoCPUs { throw conflict("CPU Quota cannot be updated as NanoCPUs has already been set") }
        var result = limits
        if let cpuShares, cpuShares != 0 { result.cpuShares = cpuShares }
        if let cpus, cpus != 0 { result.cpus = cpus }
        if let cpuPeriod, cpuPeriod != 0 {
            result.cfsPeriod = UInt64(cpuPeriod)
            if result.cfsQuota == nil { result.cfsQuota = -1 }
        }
        if let cpuQuota, cpuQuota != 0 { result.cfsQuota = cpuQuota }
        if let cpusetCpus, !cpusetCpus.isEmpty { result.cpusetCpus = cpusetCpus }
        if let memory, memory != 0 {
            if let swap = limits.memorySwap ?? limits.memory.map({ $0 * 2 }), swap > 0, memory > swap, memorySwap == nil {
                throw SwrunError(.conflict, "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
            }
            result.memory = memory
        }
        if let memorySwap, memorySwap != 0 { result.memorySwap = memorySwap }
        if let memoryReservation, memoryReservation != 0 { result.memoryReservation = memoryReservation }
        if let pidsLimit { result.pidsLimit = pidsLimit > 0 ? pidsLimit : -1 }
        // Devices are never touched by an update; the cgroup keeps the rules it has.
        result.restrictDevices = false
        return result
    }
}

extension ContainerRuntime {
    /// `docker update`: applies `update` to the container's cgroup when it runs (v1 or
    /// v2) and keeps it in state.json (applied again by `start`) and config.json (for
    /// `inspect`). Returns the new state.
    @discardableResult
    public func update(_ state: ContainerState, with update: ResourceUpdate) throws -> ContainerState {
        var state = state
        let policy = try update.restartPolicy.map(RestartPolicy.init(parsing:))
        if let policy {
            if state.autoRemove && !policy.isNone {
                throw SwrunError(.conflict, "Restart policy cannot be updated because AutoRemove is enabled for the container")
            }
        }
        let current = state.limits ?? CgroupLimits()
        var limits = try update.applied(to: current)
        if state.isRunning {
            let cgroup = cgroup(for: state)
            try cgroup.create(limits: limits)
            if update.cpusetCpus != nil { try joinCpuset(cgroup) }
        }
        limits.restrictDevices = current.restrictDevices
        state.limits = limits
        // The monitor reads the policy when the container ends: a running one gets it too.
        if let policy { try setRestartPolicy(policy, of: &state) }
        try containers.save(state)
        try storeResources(limits, of: state.id)
        containers.recordEvent("update", of: state)
        return state
    }

    /// v1 makes a cpuset cgroup only for containers that ask for one: one set later
    /// takes the container's processes in. Their other hierarchies already hold them.
    private func joinCpuset(_ cgroup: any CgroupManager) throws {
        guard cgroup.version == .v1 else { return }
        let pids = try cgroup.pids()
        for file in cgroup.procsFiles {
            for pid in pids {
                let fd = open(file, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw SwrunError.system("open \(file)") }
                defer { close(fd) }
                let text = Array(String(pid).utf8)
                // A process that has exited meanwhile is fine (ESRCH).
                if write(fd, text, text.count) < 0 && errno != ESRCH { throw SwrunError.system("write \(file)") }
            }
        }
    }

    /// The spec's `linux.resources` from `limits`, its device rules kept.
    private func storeResources(_ limits: CgroupLimits, of id: String) throws {
        let path = containers.specPath(of: id)
        guard var spec = try? RuntimeSpec.decode(FileIO.readFile(path)) else { return }
        var resources = RuntimeSpec.Resources(limits)
        resources.devices = spec.linux?.resources?.devices
        if let quota = limits.cfsQuota { resources.cpu = resources.cpu ?? RuntimeSpec.Resources.CPU(); resources.cpu?.quota = quota }
        if let period = limits.cfsPeriod { resources.cpu = resources.cpu ?? RuntimeSpec.Resources.CPU(); resources.cpu?.period = period }
        if let cpus = limits.cpusetCpus { resources.cpu = resources.cpu ?? RuntimeSpec.Resources.CPU(); resources.cpu?.cpus = cpus }
        if let reservation = limits.memoryReservation {
            resources.memory = resources.memory ?? RuntimeSpec.Resources.Memory()
            resources.memory?.reservation = reservation
        }
        if spec.linux == nil { spec.linux = RuntimeSpec.Linux() }
        spec.linux?.resources = resources
        try FileIO.writeDurably(at: path, bytes: try spec.encoded(pretty: false), mode: 0o600)
    }
}
