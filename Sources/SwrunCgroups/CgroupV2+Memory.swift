extension CgroupV2Manager {
    /// `memory.max`, and `memory.swap.max` (swap alone: docker's total minus memory)
    /// when the kernel accounts swap, i.e. the cgroup has the file.
    func applyMemory(_ limits: CgroupLimits) throws {
        if let reservation = limits.memoryReservation {
            try CgroupFS.write(directory + "/memory.low", reservation < 0 ? "max" : String(reservation))
        }
        guard let memory = limits.memory else { return }
        try CgroupFS.write(directory + "/memory.max", String(memory))
        let swapFile = directory + "/memory.swap.max"
        if let total = limits.resolvedMemorySwap, CgroupFS.exists(swapFile) {
            try CgroupFS.write(swapFile, total == -1 ? "max" : String(total - memory))
        }
    }
}
