import Glibc
import SwrunOS

extension VolumeStore {
    /// The names of volumes some container (running or not) mounts.
    public func usedVolumeNames() throws -> Set<String> {
        Set(try ContainerMounts.all(in: containersDirectory).values.flatMap { $0.compactMap(\.name) })
    }

    /// `volume prune`: removes the volumes no container uses, anonymous ones only
    /// unless `all` (docker ≥ 23), that `matching` accepts. Returns their names and
    /// the bytes their files held.
    public func prune(all: Bool, matching: (Volume) -> Bool) throws -> (removed: [String], reclaimed: Int64) {
        try withLock {
            let used = try usedVolumeNames()
            var removed: [String] = []
            var reclaimed: Int64 = 0
            for volume in try list() where (all || volume.isAnonymous) && !used.contains(volume.name) && matching(volume) {
                let size = Self.treeSize(dataPath(of: volume.name))
                try removeLocked(volume.name)
                removed.append(volume.name)
                reclaimed += size
            }
            return (removed.sorted(), reclaimed)
        }
    }

    /// The bytes of the regular files under `path`, never following symlinks.
    static func treeSize(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int64(info.st_size)
        case S_IFDIR: return ((try? FileIO.directoryNames(path)) ?? []).reduce(0) { $0 + treeSize(path + "/" + $1) }
        default: return 0
        }
    }
}
