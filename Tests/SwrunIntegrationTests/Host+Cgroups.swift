import Foundation

/// The two cgroup layouts swrun runs on.
enum CgroupVersion: String {
    /// One hierarchy per controller (`/sys/fs/cgroup/memory`, `…/pids`, …), as on a
    /// hybrid host.
    case v1
    /// One unified hierarchy mounted at `/sys/fs/cgroup`.
    case v2
}

/// Where swrun puts a container's cgroup on this host, so that tests can look at it
/// from outside and know which files a container sees inside.
extension Host {
    static let cgroupRoot = "/sys/fs/cgroup"

    /// Detected as swrun detects it: v2 when the root is a cgroup2 mount (it has
    /// `cgroup.controllers`), else v1.
    static let cgroupVersion: CgroupVersion = exists(cgroupRoot + "/cgroup.controllers") ? .v2 : .v1

    /// The v1 hierarchies a container joins (the ones swrun's v1 manager uses) that
    /// this host mounts; none on v2.
    static let cgroupV1Controllers: [String] = cgroupVersion == .v2 ? [] :
        ["memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio"].filter { exists(cgroupRoot + "/" + $0) }

    /// The directories that hold the cgroups below `parent` ("swrun", or a
    /// `--cgroup-parent`): one per v1 hierarchy, or the one v2 directory.
    static func cgroupParentDirectories(_ parent: String = "swrun") -> [String] {
        switch cgroupVersion {
        case .v1: return cgroupV1Controllers.map { "\(cgroupRoot)/\($0)/\(parent)" }
        case .v2: return ["\(cgroupRoot)/\(parent)"]
        }
    }

    /// Every directory of the container's cgroup `<parent>/<id>`.
    static func containerCgroupDirectories(parent: String = "swrun", id: String) -> [String] {
        cgroupParentDirectories(parent).map { $0 + "/" + id }
    }

    /// The directory with `controller`'s files for the container's cgroup:
    /// `<root>/<controller>/<parent>/<id>` on v1, `<root>/<parent>/<id>` on v2.
    static func containerCgroupDirectory(_ controller: String, parent: String = "swrun", id: String) -> String {
        switch cgroupVersion {
        case .v1: return "\(cgroupRoot)/\(controller)/\(parent)/\(id)"
        case .v2: return "\(cgroupRoot)/\(parent)/\(id)"
        }
    }

    /// Container cgroups (64-hex names) below `parent`, in any of its directories.
    static func containerCgroups(parent: String = "swrun") -> Set<String> {
        var names = Set<String>()
        for directory in cgroupParentDirectories(parent) {
            let children = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            names.formUnion(children.filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        }
        return names
    }

    /// The container's cgroup directories that still exist.
    static func remainingCgroupDirectories(parent: String = "swrun", id: String) -> [String] {
        containerCgroupDirectories(parent: parent, id: id).filter { exists($0) }
    }
}
