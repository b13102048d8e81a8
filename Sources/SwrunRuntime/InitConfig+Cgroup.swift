import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOS

extension InitConfig {
    /// Puts the container in `cgroup` (created already): v2 by `CLONE_INTO_CGROUP`, v1
    /// by the monitor writing each `cgroup.procs`; and tells the monitor where to look
    /// for OOM kills and what to remove at the end.
    public mutating func place(in cgroup: any CgroupManager, cgroupRoot: String) {
        if let unified = cgroup.unifiedDirectory {
            cgroupDirectory = unified
            cgroupDirectories = [unified]
            oomEventsFile = unified + "/memory.events"
        } else {
            cgroupProcsFiles = cgroup.procsFiles
            cgroupV1Controllers = Self.v1Hierarchies(root: cgroupRoot)
            cgroupDirectories = cgroup.procsFiles.map(FileIO.parentPath)
            oomEventsFile = cgroupDirectories.first { $0.contains("/memory/") }.map { $0 + "/memory.oom_control" } ?? ""
        }
    }

    /// The host's v1 hierarchies ("memory", "cpu,cpuacct", …) to show inside.
    static func v1Hierarchies(root: String) -> [String] {
        let entries = (try? FileIO.directoryNames(root)) ?? []
        return entries.filter { name in
            guard name != "unified" && name != "systemd" else { return false }
            var st = stat()
            return lstat(root + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        }.sorted()
    }
}
