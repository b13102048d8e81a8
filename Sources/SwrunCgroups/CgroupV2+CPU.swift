extension CgroupV2Manager {
    /// `cpu.max` ("quota period") and `cpu.weight`.
    func applyCPU(_ limits: CgroupLimits) throws {
        if let quota = limits.cpuQuota {
            try CgroupFS.write(directory + "/cpu.max", "\(quota) \(CgroupLimits.cpuPeriod)")
        }
        if let shares = limits.clampedCPUShares {
            try CgroupFS.write(directory + "/cpu.weight", String(Self.cpuWeight(shares: shares)))
        }
    }

    /// runc's mapping of `cpu.shares` (2…262144) onto `cpu.weight` (1…10000).
    static func cpuWeight(shares: UInt64) -> UInt64 {
        1 + ((shares - 2) * 9999) / 262_142
    }
}
