import GoTemplate
import SwrunCgroups
import SwrunRuntime

/// The HostConfig fields `update` changes, as docker's inspect shows them: zero (null
/// for PidsLimit) when unset, memory-swap twice the memory when only memory was given.
extension ContainerDocument {
    static func resourceFields(_ limits: CgroupLimits?) -> [(String, TemplateValue)] {
        let limits = limits ?? CgroupLimits()
        let nanoCPUs = limits.cfsQuota == nil && limits.cfsPeriod == nil ? limits.cpus.map { Int64(($0 * 1e9).rounded()) } : nil
        let swap = limits.memorySwap ?? limits.memory.map { $0 * 2 }
        return [
            ("CpuShares", .int(Int64(limits.cpuShares ?? 0))),
            ("Memory", .int(limits.memory ?? 0)),
            ("NanoCpus", .int(nanoCPUs ?? 0)),
            ("CpuPeriod", .int(Int64(limits.cfsPeriod ?? 0))),
            ("CpuQuota", .int(limits.cfsQuota ?? 0)),
            ("CpusetCpus", .string(limits.cpusetCpus ?? "")),
            ("MemoryReservation", .int(limits.memoryReservation ?? 0)),
            ("MemorySwap", .int(swap ?? 0)),
            ("PidsLimit", limits.pidsLimit.flatMap { $0 > 0 ? TemplateValue.int($0) : nil } ?? .null),
        ]
    }
}
