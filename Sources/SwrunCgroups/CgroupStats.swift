import SwrunOS

/// A cgroup's usage, as runc's `events --stats` and docker's `stats` report it. A
/// value the host does not account is nil.
public struct CgroupStats: Sendable, Equatable, Codable {
    /// CPU time used, in nanoseconds.
    public var cpuUsageNanos: UInt64?
    /// Memory in use and its limit, in bytes (the limit nil when unlimited).
    public var memoryUsage: UInt64?
    public var memoryLimit: UInt64?
    /// Tasks in the cgroup and their limit (nil when unlimited).
    public var pidsCurrent: UInt64?
    public var pidsLimit: UInt64?
    /// Page cache on the inactive file list (v1 `total_inactive_file`, v2
    /// `inactive_file`): docker ≥ 20.10 shows memory usage without it.
    public var memoryInactiveFile: UInt64?
    /// Bytes read from and written to block devices (v1 blkio, v2 io.stat).
    public var blockReadBytes: UInt64?
    public var blockWriteBytes: UInt64?

    public init(cpuUsageNanos: UInt64? = nil, memoryUsage: UInt64? = nil, memoryLimit: UInt64? = nil,
                pidsCurrent: UInt64? = nil, pidsLimit: UInt64? = nil) {
        self.cpuUsageNanos = cpuUsageNanos
        self.memoryUsage = memoryUsage
        self.memoryLimit = memoryLimit
        self.pidsCurrent = pidsCurrent
        self.pidsLimit = pidsLimit
    }

    /// A number from a cgroup file: its first word, "max" (and v1's near-2^63 "no
    /// limit") as nil.
    static func number(_ path: String) -> UInt64? {
        guard let text = try? CgroupFS.read(path), let word = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).first,
              let value = UInt64(word), value < 1 << 62 else { return nil }
        return value
    }
}

extension CgroupV1Manager {
    func stats() -> CgroupStats {
        var stats = CgroupStats(
            cpuUsageNanos: directory("cpuacct").flatMap { CgroupStats.number($0 + "/cpuacct.usage") },
            memoryUsage: directory("memory").flatMap { CgroupStats.number($0 + "/memory.usage_in_bytes") },
            memoryLimit: directory("memory").flatMap { CgroupStats.number($0 + "/memory.limit_in_bytes") },
            pidsCurrent: directory("pids").flatMap { CgroupStats.number($0 + "/pids.current") },
            pidsLimit: directory("pids").flatMap { CgroupStats.number($0 + "/pids.max") })
        stats.addV1Details(memory: directory("memory"), blkio: directory("blkio"))
        return stats
    }
}

extension CgroupV2Manager {
    func stats() -> CgroupStats {
        let cpu = (try? CgroupFS.read(directory + "/cpu.stat")).flatMap { CgroupFS.keyedValue("usage_usec", in: $0) }
        return CgroupStats(
            cpuUsageNanos: cpu.map { UInt64($0) * 1000 },
            memoryUsage: CgroupStats.number(directory + "/memory.current"),
            memoryLimit: CgroupStats.number(directory + "/memory.max"),
            pidsCurrent: CgroupStats.number(directory + "/pids.current"),
            pidsLimit: CgroupStats.number(directory + "/pids.max"))
            .addingV2Details(directory: directory)
    }
}
