#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// Which cgroup interface the host offers.
public enum CgroupVersion: String, Sendable {
    /// One hierarchy per controller (`/sys/fs/cgroup/memory`, `…/cpu`, …).
    case v1
    /// The unified hierarchy: one tree, controllers enabled per subtree.
    case v2
}

/// Entry points: detect the host's cgroup version and make a manager for one cgroup.
public enum Cgroups {
    /// The host's cgroup root.
    public static let defaultRoot = "/sys/fs/cgroup"

    private static let defaultRootVersion = detectVersionUncached(root: defaultRoot)

    /// v2 when `<root>/cgroup.controllers` exists (root is a cgroup2 mount), else v1.
    /// Detected once per process for the default root.
    public static func detectVersion(root: String = defaultRoot) -> CgroupVersion {
        root == defaultRoot ? defaultRootVersion : detectVersionUncached(root: root)
    }

    private static func detectVersionUncached(root: String) -> CgroupVersion {
        CgroupFS.exists(root + "/cgroup.controllers") ? .v2 : .v1
    }

    /// A manager for cgroup `<parent>/<name>` under `root`. A parent given as "/a/b"
    /// or "a/b" is relative to each hierarchy's root. Nothing is touched on disk
    /// until `create(limits:)`; a malformed parent or name is reported there.
    public static func manager(root: String = defaultRoot, parent: String = "swrun", name: String) -> any CgroupManager {
        let path = CgroupPath(parent: parent, name: name)
        switch detectVersion(root: root) {
        case .v1: return CgroupV1Manager(root: root, path: path)
        case .v2: return CgroupV2Manager(root: root, path: path)
        }
    }
}

/// A cgroup's place below a hierarchy root, as path components.
struct CgroupPath: Sendable, Equatable {
    let components: [String]
    /// Why the parent or name cannot be used, reported by the first operation.
    let problem: String?

    init(parent: String, name: String) {
        let parentComponents = parent.split(separator: "/").map(String.init)
        components = parentComponents + [name]
        if name.isEmpty || name.contains("/") || name == "." || name == ".." {
            problem = "invalid cgroup name \"\(name)\""
        } else if parentComponents.contains(where: { $0 == "." || $0 == ".." }) {
            problem = "invalid cgroup parent \"\(parent)\": \".\" and \"..\" are not allowed"
        } else {
            problem = nil
        }
    }

    /// "/swrun/<id>".
    var string: String { "/" + components.joined(separator: "/") }

    func validate() throws {
        if let problem { throw SwrunError(.invalidArgument, problem) }
    }
}
