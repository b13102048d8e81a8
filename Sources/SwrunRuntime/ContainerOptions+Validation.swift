import FoundationEssentials
import Glibc
import SwrunOS

extension ContainerOptions {
    /// docker's smallest memory limit (linuxMinMemory): below it a container cannot start.
    public static let minimumMemory: Int64 = 6 << 20

    /// Refuses what docker refuses before a container exists, in docker's words, so a
    /// bad value never reaches the cgroup or the container's start. `onlineCPUs` and
    /// `onlineMems` are the host's (list form), `cpuCount` its CPUs; read from the host
    /// only when a flag needs them (this runs on every start).
    public func validate(cpuCount: @autoclosure () -> Int = ContainerOptions.hostCPUCount(),
                         onlineCPUs: @autoclosure () -> String? = ContainerOptions.hostList("/sys/devices/system/cpu/online"),
                         onlineMems: @autoclosure () -> String? = ContainerOptions.hostList("/sys/devices/system/node/online") ?? "0") throws {
        let memory = self.memory ?? 0
        if memory > 0 && memory < Self.minimumMemory {
            throw SwrunError(.invalidArgument, "Minimum memory limit allowed is 6MB")
        }
        if let swap = memorySwap, swap > 0 {
            guard memory > 0 else {
                throw SwrunError(.invalidArgument, "You should always set the Memory limit when using Memoryswap limit, see usage")
            }
            guard swap >= memory else {
                throw SwrunError(.invalidArgument, "Minimum memoryswap limit should be larger than memory limit, see usage")
            }
        }
        if let cpus, cpus != 0 {
            let cpuCount = cpuCount()
            if !(cpus >= 0.01 && cpus <= Double(cpuCount)) {
                throw SwrunError(.invalidArgument, "Range of CPUs is from 0.01 to \(cpuCount).00, as there are only \(cpuCount) CPUs available")
            }
        }
        try Self.checkCpuset(cpusetCpus, online: onlineCPUs(), what: "cpus", resource: "CPUs")
        try Self.checkCpuset(cpusetMems, online: onlineMems(), what: "mems", resource: "memory nodes")
        if let oomScoreAdj, !(-1000...1000).contains(oomScoreAdj) {
            throw SwrunError(.invalidArgument, "Invalid value \(oomScoreAdj), range for oom score adj is [-1000, 1000]")
        }
        if let stopSignal { _ = try Signals.number(stopSignal) }
    }

    /// A cpuset list ("0-2,4") that parses and names only what the host has.
    static func checkCpuset(_ value: String?, online readOnline: @autoclosure () -> String?, what: String, resource: String) throws {
        guard let value, !value.isEmpty else { return }
        let online = readOnline()
        guard let requested = parseList(value) else {
            throw SwrunError(.invalidArgument, "Invalid value \(value) for cpuset \(what)")
        }
        if let online, let available = parseList(online), !requested.isSubset(of: available) {
            throw SwrunError(.invalidArgument,
                             "Requested \(resource) are not available - requested \(value), available: \(online)")
        }
    }

    /// The kernel's list form ("0-3,7") as a set; nil when malformed.
    public static func parseList(_ text: String) -> Set<Int>? {
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), low >= 0,
                  let high = bounds.count == 2 ? Int(bounds[1]) : low, high >= low, high - low < 1 << 16 else { return nil }
            result.formUnion(low...high)
        }
        return result
    }

    /// The CPUs this process may run on, as Go's runtime.NumCPU counts them.
    public static func hostCPUCount() -> Int {
        max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    }

    /// A sysfs list file's content, trimmed; nil when absent.
    public static func hostList(_ path: String) -> String? {
        (try? FileIO.readString(path)).flatMap { $0.split(whereSeparator: \.isWhitespace).first.map(String.init) }
    }
}
