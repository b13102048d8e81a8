import SwrunOS

extension CgroupV1Manager {
    /// `cpu.cfs_period_us` + `cpu.cfs_quota_us` for `cpus`, `cpu.shares`.
    func applyCPU(_ limits: CgroupLimits) throws {
        guard limits.cpus != nil || limits.cpuShares != nil else { return }
        guard let dir = directory("cpu") else {
            throw SwrunError(.unsupported, "cgroup v1: the cpu controller is not mounted (needed for --cpus/--cpu-shares)")
        }
        if let quota = limits.cpuQuota {
            try CgroupFS.write(dir + "/cpu.cfs_period_us", String(CgroupLimits.cpuPeriod))
            try CgroupFS.write(dir + "/cpu.cfs_quota_us", String(quota))
        }
        if let shares = limits.clampedCPUShares {
            try CgroupFS.write(dir + "/cpu.shares", String(shares))
        }
    }
}
