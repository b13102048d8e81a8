extension CgroupV2Manager {
    /// `cpu.max` ("quota period"), `cpu.weight`, `cpuset.cpus`/`cpuset.mems`.
    func applyCPU(_ limits: CgroupLimits) throws {
        if let (quota, period) = limits.cfsLimit {
            let quotaText = quota.map { $0 > 0 ? String($0) : "max" } ?? "max"
            try CgroupFS.write(directory + "/cpu.max", quotaText + (period.map { " \($0)" } ?? ""))
        }
        if let cpus = limits.cpusetCpus { try CgroupFS.write(directory + "/cpuset.cpus", cpus) }
        if let mems = limits.cpusetMems { try CgroupFS.write(directory + "/cpuset.mems", mems) }
        if let shares = limits.clampedCPUShares {
            try CgroupFS.write(directory + "/cpu.weight", String(Self.cpuWeight(shares: shares)))
        }
    }

    /// runc's mapping of `cpu.shares` (2…262144) onto `cpu.weight` (1…10000).
    static func cpuWeight(shares: UInt64) -> UInt64 {
        1 + ((shares - 2) * 9999) / 262_142
    }
}
