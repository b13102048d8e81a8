import FoundationEssentials
import Glibc
import SwrunOS

/// What `container prune` removed.
public struct PruneReport: Sendable {
    public var deletedIDs: [String] = []
    /// Bytes the removed containers' writable layers held.
    public var reclaimedBytes: UInt64 = 0
}

extension ContainerRuntime {
    /// Seconds a container may stay `created` before prune treats it as stopped: a
    /// `swrun run` in another process records its container as created before PID 1
    /// starts, and without a daemon nothing else tells the two apart.
    static let pruneCreatedGrace: TimeInterval = 10

    /// Removes every container that is not running and that `include` accepts
    /// (`docker container prune [--filter]`).
    public func prune(where include: (ContainerState) -> Bool = { _ in true }) throws -> PruneReport {
        var report = PruneReport()
        containers.sweepRemovals()
        let now = Date()
        for state in try containers.list() where !state.isRunning && include(state) {
            if state.status == .created && now.timeIntervalSince(state.created) < Self.pruneCreatedGrace { continue }
            let size = Self.diskUsage(containers.filesystem(of: state.id).upperDir)
            do {
                try remove(state, force: false)
            } catch let error as SwrunError where error.code == .conflict {
                continue  // it started meanwhile
            }
            report.deletedIDs.append(state.id)
            report.reclaimedBytes += size
        }
        return report
    }

    /// Bytes of the regular files under `path` (symlinks not followed).
    static func diskUsage(_ path: String) -> UInt64 {
        var total: UInt64 = 0
        for name in (try? FileIO.directoryNames(path)) ?? [] {
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: total += UInt64(info.st_size)
            case S_IFDIR: total += diskUsage(path + "/" + name)
            default: break
            }
        }
        return total
    }
}
