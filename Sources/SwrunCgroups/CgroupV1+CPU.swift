import SwrunOS

extension CgroupV1Manager {
    /// `cpu.cfs_period_us` + `cpu.cfs_quota_us`, `cpu.shares`, the real-time pair,
    /// and the cpuset.
    func applyCPU(_ limits: CgroupLimits) throws {
        try applyCpuset(limits)
        guard limits.touchesCPU else { return }
        guard let dir = directory("cpu") else {
            throw SwrunError(.unsupported, "cgroup v1: the cpu controller is not mounted (needed for --cpus/--cpu-shares)")
        }
        if let (quota, period) = limits.cfsLimit {
            if let period { try CgroupFS.write(dir + "/cpu.cfs_period_us", String(period)) }
            if let quota { try CgroupFS.write(dir + "/cpu.cfs_quota_us", String(quota)) }
        }
        if let shares = limits.clampedCPUShares {
            try CgroupFS.write(dir + "/cpu.shares", String(shares))
        }
        // The period first: the runtime must fit in it.
        if let period = limits.rtPeriod { try CgroupFS.write(dir + "/cpu.rt_period_us", String(period)) }
        if let runtime = limits.rtRuntime { try CgroupFS.write(dir + "/cpu.rt_runtime_us", String(runtime)) }
    }

    /// A v1 cpuset cgroup starts with no CPUs and no memory nodes, and takes no task
    /// until both are set: each new level gets its parent's, then the limits apply.
    /// The cpuset hierarchy is joined only by containers that ask for one.
    private func applyCpuset(_ limits: CgroupLimits) throws {
        guard limits.cpusetCpus != nil || limits.cpusetMems != nil else { return }
        guard let hierarchy = hierarchies["cpuset"] else {
            throw SwrunError(.unsupported, "cgroup v1: the cpuset controller is not mounted (needed for cpuset cpus/mems)")
        }
        var parent = hierarchy
        for component in cgroupPath.components {
            let dir = parent + "/" + component
            try CgroupFS.makeDirectories(base: parent, components: [component])
            for file in ["cpuset.cpus", "cpuset.mems"] {
                let current = (try? CgroupFS.read(dir + "/" + file)) ?? ""
                if current.allSatisfy({ $0 == "\n" || $0 == " " }) {
                    try CgroupFS.write(dir + "/" + file, try CgroupFS.read(parent + "/" + file))
                }
            }
            parent = dir
        }
        if let cpus = limits.cpusetCpus { try CgroupFS.write(parent + "/cpuset.cpus", cpus) }
        if let mems = limits.cpusetMems { try CgroupFS.write(parent + "/cpuset.mems", mems) }
    }
}
