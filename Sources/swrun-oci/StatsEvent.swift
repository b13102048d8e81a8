import SwrunCgroups

/// One line of `events`, in runc's shape (the fields swrun reads from the cgroup).
struct StatsEvent: Encodable {
    struct Data: Encodable {
        struct CPU: Encodable {
            struct Usage: Encodable { var total: UInt64 }
            var usage: Usage
        }
        struct Memory: Encodable {
            struct Usage: Encodable {
                var usage: UInt64
                var limit: UInt64
            }
            var usage: Usage
        }
        struct Pids: Encodable {
            var current: UInt64
            var limit: UInt64
        }
        var cpu: CPU
        var memory: Memory
        var pids: Pids

        init(_ stats: CgroupStats) {
            cpu = CPU(usage: .init(total: stats.cpuUsageNanos ?? 0))
            memory = Memory(usage: .init(usage: stats.memoryUsage ?? 0, limit: stats.memoryLimit ?? 0))
            pids = Pids(current: stats.pidsCurrent ?? 0, limit: stats.pidsLimit ?? 0)
        }
    }
    var type = "stats"
    var id: String
    var data: Data
}
