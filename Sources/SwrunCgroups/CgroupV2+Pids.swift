extension CgroupV2Manager {
    /// `pids.max`.
    func applyPids(_ limits: CgroupLimits) throws {
        guard let value = limits.pidsMaxValue else { return }
        try CgroupFS.write(directory + "/pids.max", value)
    }
}
