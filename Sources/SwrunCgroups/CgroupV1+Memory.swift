import SwrunOS

extension CgroupV1Manager {
    /// `memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` when the kernel
    /// accounts swap (the file exists at the hierarchy's root).
    func applyMemory(_ limits: CgroupLimits) throws {
        try applyMemoryExtras(limits)
        guard let memory = limits.memory else { return }
        guard let hierarchy = hierarchies["memory"], let dir = directory("memory") else {
            throw SwrunError(.unsupported, "cgroup v1: the memory controller is not mounted (needed for --memory)")
        }
        let limitFile = dir + "/memory.limit_in_bytes"
        let swapFile = dir + "/memory.memsw.limit_in_bytes"
        guard let swap = limits.resolvedMemorySwap,
              CgroupFS.exists(hierarchy + "/memory.memsw.limit_in_bytes")
        else {
            try CgroupFS.write(limitFile, String(memory))
            return
        }
        // The kernel keeps memory ≤ memory+swap at every step: raise memsw first when
        // it becomes unlimited or the new memory limit is above the current one.
        let currentSwap = (try? CgroupFS.read(swapFile)).flatMap {
            Int64($0.split(separator: "\n").first ?? "")
        }
        if swap == -1 || memory > (currentSwap ?? Int64.max) {
            try CgroupFS.write(swapFile, String(swap))
            try CgroupFS.write(limitFile, String(memory))
        } else {
            try CgroupFS.write(limitFile, String(memory))
            try CgroupFS.write(swapFile, String(swap))
        }
    }

    /// Reservation (soft limit), swappiness, and the OOM killer switch.
    private func applyMemoryExtras(_ limits: CgroupLimits) throws {
        guard limits.memoryReservation != nil || limits.memorySwappiness != nil || limits.disableOOMKiller == true else { return }
        guard let dir = directory("memory") else {
            throw SwrunError(.unsupported, "cgroup v1: the memory controller is not mounted")
        }
        if let reservation = limits.memoryReservation {
            try CgroupFS.write(dir + "/memory.soft_limit_in_bytes", String(reservation))
        }
        if let swappiness = limits.memorySwappiness, swappiness <= 100 {
            try CgroupFS.write(dir + "/memory.swappiness", String(swappiness))
        }
        if limits.disableOOMKiller == true { try CgroupFS.write(dir + "/memory.oom_control", "1") }
    }
}
