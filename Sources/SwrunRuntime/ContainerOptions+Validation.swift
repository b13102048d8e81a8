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
        try Self.checkResources(memory: memory ?? 0, memorySwap: memorySwap ?? 0, cpus: cpus ?? 0, cpusetCpus: cpusetCpus,
                                forUpdate: false, cpuCount: cpuCount(), onlineCPUs: onlineCPUs())
        try Self.checkCpuset(cpusetMems, online: onlineMems(), what: "mems", resource: "memory nodes")
        if let oomScoreAdj, !(-1000...1000).contains(oomScoreAdj) {
            throw SwrunError(.invalidArgument, "Invalid value \(oomScoreAdj), range for oom score adj is [-1000, 1000]")
        }
        if let stopSignal { _ = try Signals.number(stopSignal) }
    }

    /// docker's checks of a container's resources (its daemon's
    /// verifyPlatformContainerResources), in its order and words, for `run`/`create`
    /// and `update` alike; 0 is "not set". `forUpdate`: an update may set the swap
    /// limit alone (it keeps the memory limit the container has).
    public static func checkResources(memory: Int64 = 0, memorySwap: Int64 = 0, memoryReservation: Int64 = 0, cpus: Double = 0,
                                      cpuPeriod: Int64 = 0, cpuQuota: Int64 = 0, cpusetCpus: String? = nil, forUpdate: Bool,
                                      cpuCount: @autoclosure () -> Int, onlineCPUs: @autoclosure () -> String?) throws {
        func refuse(_ message: String) -> SwrunError { SwrunError(.invalidArgument, message) }
        if memory != 0 && memory < minimumMemory { throw refuse("Minimum memory limit allowed is 6MB") }
        if memory > 0 && memorySwap > 0 && memorySwap < memory {
            throw refuse("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if memory == 0 && memorySwap > 0 && !forUpdate {
            throw refuse("You should always set the Memory limit when using Memoryswap limit, see usage")
        }
        if memoryReservation > 0 && memoryReservation < minimumMemory { throw refuse("Minimum memory reservation allowed is 6MB") }
        if memory > 0 && memoryReservation > 0 && memory < memoryReservation {
            throw refuse("Minimum memory limit can not be less than memory reservation limit, see usage")
        }
        if cpus != 0 {
            if cpuPeriod > 0 { throw refuse("Conflicting options: Nano CPUs and CPU Period cannot both be set") }
            if cpuQuota > 0 { throw refuse("Conflicting options: Nano CPUs and CPU Quota cannot both be set") }
            let count = cpuCount()
            if !(cpus >= 0.01 && cpus <= Double(count)) {
                throw refuse("Range of CPUs is from 0.01 to \(count).00, as there are only \(count) CPUs available")
            }
        }
        if cpuPeriod != 0 && (cpuPeriod < 1000 || cpuPeriod > 1_000_000) {
            throw refuse("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
        }
        if cpuQuota > 0 && cpuQuota < 1000 { throw refuse("CPU cfs quota can not be less than 1ms (i.e. 1000)") }
        try checkCpuset(cpusetCpus, online: onlineCPUs(), what: "cpus", resource: "CPUs")
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
