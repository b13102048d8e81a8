#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

extension Cgroups {
    /// On cgroup v1, the first `cgroup.procs` write after an idle spell waits for an
    /// RCU grace period (~10 ms here: the global threadgroup rwsem switches to its slow
    /// mode). This starts that wait now, on a background thread, by writing this
    /// process's own PID into its own cgroup (a move to where it already is), so the
    /// container's own join, moments later, finds the switch made or under way.
    /// v2 needs none (CLONE_INTO_CGROUP); nothing is reported, nothing changes.
    public static func warmUpAttach(root: String = defaultRoot) {
        guard detectVersion(root: root) == .v1 else { return }
        let path = Unmanaged.passRetained(Box(root)).toOpaque()
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { argument in
            let root = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().root
            Cgroups.moveToOwnCgroup(root: root)
            return nil
        }, path) == 0 else {
            Unmanaged<Box>.fromOpaque(path).release()
            return
        }
        pthread_detach(thread)
    }

    private final class Box {
        let root: String
        init(_ root: String) { self.root = root }
    }

    private static func moveToOwnCgroup(root: String) {
        guard let text = try? FileIO.readString("/proc/self/cgroup") else { return }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1] == "pids" || fields[1] == "memory" else { continue }
            try? FileIO.writeExisting(root + "/" + fields[1] + fields[2] + "/cgroup.procs", String(getpid()))
            return
        }
    }
}
