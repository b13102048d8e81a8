import SwrunOS

/// Resource limits for a container's cgroup, in docker's terms. A nil field leaves
/// the kernel's default (unlimited) in place.
public struct CgroupLimits: Sendable, Equatable, Codable {
    /// Memory limit in bytes (`--memory`).
    public var memory: Int64?
    /// Memory plus swap in bytes, as docker's `--memory-swap`; -1 is unlimited swap.
    /// When nil and `memory` is set, docker's default applies: swap as large as
    /// `memory` (a total of twice `memory`).
    public var memorySwap: Int64?
    /// CPUs' worth of time per period (`--cpus 1.5` → 150000 µs every 100000 µs).
    public var cpus: Double?
    /// Relative CPU weight (`--cpu-shares`, 2…262144; docker's default is 1024).
    public var cpuShares: UInt64?
    /// Maximum number of tasks (`--pids-limit`); 0 or less is unlimited.
    public var pidsLimit: Int64?
    /// Only docker's default device allowlist when true; every device when false
    /// (`--privileged`).
    public var restrictDevices: Bool
    /// Devices allowed beyond docker's list when restricted, as v1 spells them
    /// ("c 10:200 rwm", "b *:* m"): an OCI spec's `linux.resources.devices` allow rules.
    public var extraAllowedDevices: [String]?
    /// OCI's raw CFS quota and period (µs), when given so; they win over `cpus`.
    public var cfsQuota: Int64?
    public var cfsPeriod: UInt64?
    /// Real-time runtime and period (µs), v1 with CONFIG_RT_GROUP_SCHED only.
    public var rtRuntime: Int64?
    public var rtPeriod: UInt64?
    /// cpuset: CPUs and memory nodes in list form ("0-1", "0").
    public var cpusetCpus: String?
    public var cpusetMems: String?
    /// Memory soft limit (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`).
    public var memoryReservation: Int64?
    /// v1 `memory.swappiness`.
    public var memorySwappiness: UInt64?
    /// v1: the OOM killer leaves the cgroup alone (`memory.oom_control`).
    public var disableOOMKiller: Bool?

    public init(
        memory: Int64? = nil,
        memorySwap: Int64? = nil,
        cpus: Double? = nil,
        cpuShares: UInt64? = nil,
        pidsLimit: Int64? = nil,
        restrictDevices: Bool = true
    ) {
        self.memory = memory
        self.memorySwap = memorySwap
        self.cpus = cpus
        self.cpuShares = cpuShares
        self.pidsLimit = pidsLimit
        self.restrictDevices = restrictDevices
    }

    /// The allowlist when devices are restricted: the extra rules in their order (the
    /// OCI spec says they apply as listed), then docker's.
    var allowedDevices: [DeviceRule] {
        (extraAllowedDevices ?? []).compactMap(DeviceRule.init(v1String:)) + DeviceRule.dockerDefaults
    }

    /// The CFS period every `cpus` quota is expressed in, in microseconds.
    static let cpuPeriod: Int64 = 100_000

    /// Checks the combinations docker refuses, with docker's wording.
    func validate() throws {
        if let memory, memory <= 0 {
            throw SwrunError(.invalidArgument, "invalid memory limit \(memory): must be positive")
        }
        if let memorySwap {
            guard let memory else {
                throw SwrunError(.invalidArgument, "you should always set the memory limit when using the memory-swap limit")
            }
            if memorySwap != -1 && memorySwap < memory {
                throw SwrunError(.invalidArgument, "minimum memory-swap limit should be larger than memory limit")
            }
        }
        if let cpus, !(cpus > 0) || cpus.isInfinite {
            throw SwrunError(.invalidArgument, "invalid cpus \(cpus): must be a positive number")
        }
        if let cpuShares, cpuShares > 262_144 {
            throw SwrunError(.invalidArgument, "invalid cpu-shares \(cpuShares): the maximum is 262144")
        }
    }

    /// Memory plus swap in bytes with docker's default applied; -1 is unlimited.
    var resolvedMemorySwap: Int64? {
        if let memorySwap { return memorySwap }
        return memory.map { $0 * 2 }
    }

    /// The CFS quota for `cpus`, in microseconds per `cpuPeriod`.
    var cpuQuota: Int64? {
        cpus.map { Int64(($0 * Double(Self.cpuPeriod)).rounded()) }
    }

    /// The CFS (quota, period) to write, if any: OCI's raw values, else from `cpus`.
    var cfsLimit: (quota: Int64?, period: UInt64?)? {
        if cfsQuota != nil || cfsPeriod != nil { return (cfsQuota, cfsPeriod) }
        return cpuQuota.map { ($0, UInt64(Self.cpuPeriod)) }
    }

    /// Whether anything for the cpu controller is asked.
    var touchesCPU: Bool { cfsLimit != nil || cpuShares != nil || rtRuntime != nil || rtPeriod != nil }

    /// `cpu.shares` clamped to the kernel's range (docker raises 0 and 1 to 2).
    var clampedCPUShares: UInt64? {
        cpuShares.map { min(max($0, 2), 262_144) }
    }

    /// The value for `pids.max`.
    var pidsMaxValue: String? {
        pidsLimit.map { $0 > 0 ? String($0) : "max" }
    }
}
