import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOS

/// One reading of a running container's usage: what docker's stats API hands its
/// client, from the cgroup, the host's /proc/stat and the container's network namespace.
public struct ContainerStatsSample: Sendable, Equatable {
    public var cgroup: CgroupStats
    /// CPU time the host spent on all CPUs, in ns (/proc/stat, read with `cgroup`).
    public var systemCPUNanos: UInt64
    public var onlineCPUs: Int
    /// Bytes over the container's interfaces but `lo` (0 with `--network host`, as docker).
    public var networkReceived: UInt64
    public var networkSent: UInt64
    /// The host's RAM, the limit docker shows for a container without one.
    public var hostMemory: UInt64

    public init(cgroup: CgroupStats, systemCPUNanos: UInt64, onlineCPUs: Int, networkReceived: UInt64 = 0,
                networkSent: UInt64 = 0, hostMemory: UInt64) {
        self.cgroup = cgroup
        self.systemCPUNanos = systemCPUNanos
        self.onlineCPUs = onlineCPUs
        self.networkReceived = networkReceived
        self.networkSent = networkSent
        self.hostMemory = hostMemory
    }

    /// docker's CPU %: the container's CPU time over the host's between two samples,
    /// times the online CPUs; 0 when either did not advance.
    public static func cpuPercent(previous: ContainerStatsSample, current: ContainerStatsSample) -> Double {
        let before = previous.cgroup.cpuUsageNanos ?? 0
        let after = current.cgroup.cpuUsageNanos ?? 0
        guard after > before, current.systemCPUNanos > previous.systemCPUNanos else { return 0 }
        let cpuDelta = Double(after - before)
        let systemDelta = Double(current.systemCPUNanos - previous.systemCPUNanos)
        return cpuDelta / systemDelta * Double(current.onlineCPUs) * 100
    }

    /// Memory in use as docker ≥ 20.10 shows it: without the inactive page cache.
    public var memoryUsage: UInt64 {
        let usage = cgroup.memoryUsage ?? 0
        guard let inactive = cgroup.memoryInactiveFile, inactive < usage else { return usage }
        return usage - inactive
    }

    /// The memory limit, or the host's memory when the container has none (or one
    /// above it), as docker's daemon reports it.
    public var memoryLimit: UInt64 {
        guard let limit = cgroup.memoryLimit, hostMemory == 0 || limit < hostMemory else { return hostMemory }
        return limit
    }

    /// `memoryUsage` as a percentage of `memoryLimit`.
    public var memoryPercent: Double {
        memoryLimit == 0 ? 0 : Double(memoryUsage) / Double(memoryLimit) * 100
    }
}

/// Readers of the host's /proc files that docker's stats use.
public enum HostUsage {
    /// The `cpu` line of /proc/stat (user through steal, in clock ticks) in ns, as
    /// docker's daemon sums it.
    public static func systemCPUNanos(procStat: String) -> UInt64? {
        guard let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let ticks = line.split(separator: " ").dropFirst().prefix(7).compactMap { UInt64($0) }
        guard ticks.count == 7 else { return nil }
        let perSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return ticks.reduce(0, &+) * (1_000_000_000 / perSecond)
    }

    /// Received and sent bytes summed over every interface of a /proc/<pid>/net/dev but `lo`.
    public static func networkBytes(procNetDev: String) -> (received: UInt64, sent: UInt64) {
        var received: UInt64 = 0
        var sent: UInt64 = 0
        for line in procNetDev.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].filter { $0 != " " }
            guard name != "lo" else { continue }
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard fields.count >= 9, let rx = UInt64(fields[0]), let tx = UInt64(fields[8]) else { continue }
            received &+= rx
            sent &+= tx
        }
        return (received, sent)
    }

    /// `MemTotal` of /proc/meminfo in bytes.
    public static func memoryTotal(meminfo: String) -> UInt64? {
        guard let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) }) else { return nil }
        return kib * 1024
    }
}

extension ContainerRuntime {
    /// A reading of a running container's usage; nil when it is not running.
    public func statsSample(_ state: ContainerState) -> ContainerStatsSample? {
        guard state.isRunning else { return nil }
        let cgroup = cgroup(for: state).stats()
        let system = (try? FileIO.readString("/proc/stat")).flatMap(HostUsage.systemCPUNanos) ?? 0
        var sample = ContainerStatsSample(
            cgroup: cgroup, systemCPUNanos: system, onlineCPUs: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            hostMemory: Self.hostMemory)
        if state.network != "host", let text = try? FileIO.readString("/proc/\(state.pid)/net/dev") {
            (sample.networkReceived, sample.networkSent) = HostUsage.networkBytes(procNetDev: text)
        }
        return sample
    }

    private static let hostMemory: UInt64 = (try? FileIO.readString("/proc/meminfo")).flatMap(HostUsage.memoryTotal) ?? 0
}
