import SwrunOS

extension CgroupV1Manager {
    /// `pids.max`.
    func applyPids(_ limits: CgroupLimits) throws {
        guard let value = limits.pidsMaxValue else { return }
        guard let dir = directory("pids") else {
            throw SwrunError(.unsupported, "cgroup v1: the pids controller is not mounted (needed for --pids-limit)")
        }
        try CgroupFS.write(dir + "/pids.max", value)
    }
}
