#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// A cgroup on a v1 host: one directory per controller hierarchy
/// (`<root>/memory/<path>`, `<root>/cpu/<path>`, …).
struct CgroupV1Manager: CgroupManager {
    /// The hierarchies a container joins, by the name they are mounted under.
    /// `cpu` and `cpuacct` are often one hierarchy ("cpu,cpuacct") with two symlinks.
    static let controllers = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio", "cpuset"]

    let root: String
    let cgroupPath: CgroupPath
    /// Mounted hierarchy root for each controller in `controllers`, symlinks resolved;
    /// controllers that are not mounted are absent.
    let hierarchies: [String: String]

    init(root: String, path: CgroupPath) {
        self.root = root
        self.cgroupPath = path
        var found: [String: String] = [:]
        for controller in Self.controllers {
            if let real = CgroupFS.realPath(root + "/" + controller), CgroupFS.isDirectory(real) {
                found[controller] = real
            }
        }
        hierarchies = found
    }

    var version: CgroupVersion { .v1 }
    var path: String { cgroupPath.string }
    var unifiedDirectory: String? { nil }

    /// The cgroup's directory in `controller`'s hierarchy, or nil when not mounted.
    func directory(_ controller: String) -> String? {
        hierarchies[controller].map { $0 + path }
    }

    /// The distinct hierarchy roots in use, in `controllers` order. cpuset only when
    /// this cgroup has one there (`create` makes it only for cpuset limits): a new
    /// cpuset cgroup takes no task before its CPUs and nodes are set.
    var distinctHierarchies: [String] {
        var seen = Set<String>()
        return Self.controllers.compactMap { controller -> String? in
            guard let hierarchy = hierarchies[controller] else { return nil }
            if controller == "cpuset" && !CgroupFS.isDirectory(hierarchy + path) { return nil }
            return hierarchy
        }.filter { seen.insert($0).inserted }
    }

    var procsFiles: [String] {
        distinctHierarchies.map { $0 + path + "/cgroup.procs" }
    }

    func create(limits: CgroupLimits) throws {
        try cgroupPath.validate()
        try limits.validate()
        for hierarchy in distinctHierarchies where hierarchy != hierarchies["cpuset"] {
            try CgroupFS.makeDirectories(base: hierarchy, components: cgroupPath.components)
        }
        try applyMemory(limits)
        try applyCPU(limits)
        try applyPids(limits)
        try applyDevices(limits)
    }

    func pids() throws -> [Int32] {
        try cgroupPath.validate()
        var all = Set<Int32>()
        for file in procsFiles {
            all.formUnion(try CgroupFS.readPids(file))
        }
        return all.sorted()
    }

    func destroy() throws {
        try cgroupPath.validate()
        try killAll()
        for hierarchy in distinctHierarchies {
            try CgroupFS.removeCgroupDirectory(hierarchy + path)
        }
    }

    /// SIGKILLs every process, with the cgroup frozen meanwhile when the freezer is
    /// mounted so nothing forks out of reach, and waits until all have left.
    private func killAll() throws {
        guard !(try pids()).isEmpty else { return }
        let frozen = (try? freeze()) != nil
        for pid in try pids() { kill(pid, SIGKILL) }
        if frozen { try thaw() }
        try CgroupFS.killUntilEmpty(path, pids: pids)
    }

    func oomKilled() -> Bool {
        guard let dir = directory("memory"),
              let text = try? CgroupFS.read(dir + "/memory.oom_control"),
              let count = CgroupFS.keyedValue("oom_kill", in: text)
        else { return false }
        return count > 0
    }
}
