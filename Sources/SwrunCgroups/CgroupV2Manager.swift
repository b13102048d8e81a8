#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// A cgroup on the unified (v2) hierarchy: one directory, `<root>/<path>`.
struct CgroupV2Manager: CgroupManager {
    /// Controllers enabled for every container when the host offers them, so usage
    /// can be read even without a limit; the ones a limit needs must be available.
    static let wantedControllers = ["cpu", "io", "memory", "pids"]

    let root: String
    let cgroupPath: CgroupPath
    /// Attaches the device allowlist to the cgroup directory; replaced in tests,
    /// where the directory is not on cgroupfs.
    let attachDeviceFilter: @Sendable (_ directory: String, _ rules: [DeviceRule]) throws -> Void

    init(
        root: String,
        path: CgroupPath,
        attachDeviceFilter: @escaping @Sendable (String, [DeviceRule]) throws -> Void = CgroupV2Manager.attachDeviceProgram
    ) {
        self.root = root
        self.cgroupPath = path
        self.attachDeviceFilter = attachDeviceFilter
    }

    var version: CgroupVersion { .v2 }
    var path: String { cgroupPath.string }
    /// The cgroup's directory.
    var directory: String { root + path }
    var unifiedDirectory: String? { directory }
    var procsFiles: [String] { [directory + "/cgroup.procs"] }

    func create(limits: CgroupLimits) throws {
        try cgroupPath.validate()
        try limits.validate()
        let available = try makeDirectories(needing: Self.neededControllers(limits))
        for (controller, flag) in Self.neededControllers(limits) where !available.contains(controller) {
            let parent = "/" + cgroupPath.components.dropLast().joined(separator: "/")
            throw SwrunError(.unsupported, "cgroup v2: the \(controller) controller is not available in \(parent) (needed for \(flag))")
        }
        try applyMemory(limits)
        try applyCPU(limits)
        try applyPids(limits)
        if limits.restrictDevices {
            try attachDeviceFilter(directory, limits.allowedDevices)
        }
    }

    /// Controllers the limits need, with the flag that needs each (for errors).
    static func neededControllers(_ limits: CgroupLimits) -> [(String, String)] {
        var needed: [(String, String)] = []
        if limits.touchesCPU { needed.append(("cpu", "--cpus/--cpu-shares")) }
        if limits.cpusetCpus != nil || limits.cpusetMems != nil { needed.append(("cpuset", "cpuset cpus/mems")) }
        if limits.memory != nil || limits.memorySwap != nil || limits.memoryReservation != nil { needed.append(("memory", "--memory")) }
        if limits.pidsLimit != nil { needed.append(("pids", "--pids-limit")) }
        return needed
    }

    /// Creates each directory from the root down, first enabling in its parent's
    /// `cgroup.subtree_control` the wanted and needed controllers the parent has. Returns the
    /// controllers the new cgroup has.
    private func makeDirectories(needing needed: [(String, String)]) throws -> Set<String> {
        var available = Self.words(try CgroupFS.read(root + "/cgroup.controllers"))
        var dir = root
        for component in cgroupPath.components {
            let control = dir + "/cgroup.subtree_control"
            var enabled = Self.words(try CgroupFS.readIfPresent(control) ?? "")
            let wanted = Self.wantedControllers + needed.map(\.0).filter { !Self.wantedControllers.contains($0) }
            let missing = wanted.filter { available.contains($0) && !enabled.contains($0) }
            if !missing.isEmpty {
                do {
                    try CgroupFS.write(control, missing.map { "+" + $0 }.joined(separator: " "))
                    enabled.formUnion(missing)
                } catch {
                    // A controller we only want (not one a limit needs) may be refused,
                    // e.g. by a delegated subtree: go on with the needed ones.
                    let required = missing.filter { name in needed.contains { $0.0 == name } }
                    if !required.isEmpty {
                        try CgroupFS.write(control, required.map { "+" + $0 }.joined(separator: " "))
                        enabled.formUnion(required)
                    }
                }
            }
            available = enabled
            dir += "/" + component
            if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                throw SwrunError.system("mkdir \(dir)")
            }
        }
        return available
    }

    private static func words(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    func pids() throws -> [Int32] {
        try cgroupPath.validate()
        return try CgroupFS.readPids(directory + "/cgroup.procs").sorted()
    }

    func destroy() throws {
        try cgroupPath.validate()
        if !(try pids()).isEmpty {
            if CgroupFS.exists(directory + "/cgroup.kill") {
                try CgroupFS.write(directory + "/cgroup.kill", "1")
            }
            // Without cgroup.kill (before Linux 5.14) signal each process; SIGKILL
            // reaches frozen processes on v2, so no thaw is needed.
            try CgroupFS.killUntilEmpty(path, pids: pids)
        }
        try CgroupFS.removeCgroupDirectory(directory)
    }

    func oomKilled() -> Bool {
        guard let text = try? CgroupFS.read(directory + "/memory.events"),
              let count = CgroupFS.keyedValue("oom_kill", in: text)
        else { return false }
        return count > 0
    }
}
