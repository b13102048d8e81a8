import Glibc
import SwrunImage
import SwrunOCI
import SwrunOS

extension Builder {
    /// Takes this build's share of the scratch root (a shared lock on its `.lock`, held
    /// until the returned descriptor is closed). When no other build holds it, what
    /// killed builds left there (COPY trees, contexts, a secrets tmpfs) is removed first.
    public static func claimScratch(of store: ImageStore) throws -> Int32 {
        let root = scratchRoot(of: store)
        try FileIO.makeSpreadDirectory(root)
        let lockPath = root + "/.lock"
        let fd = try FileLock.open(lockPath)
        do {
            if FileLock.tryLock(fd) {
                for name in try FileIO.directoryNames(root) where name != ".lock" {
                    let path = root + "/" + name
                    // A secrets tmpfs goes first, or its mount point cannot be removed.
                    if name.hasPrefix("secrets-") { RunMounts.unmountSecrets(path) }
                    try? FileIO.removeTree(path)
                }
            }
            // From exclusive (or none) to shared: other builds may now run beside this one.
            try FileLock.lockShared(fd, path: lockPath)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A build's intermediate images among `images`, which `images` shows only with
    /// `-a`, as docker does: untagged step images of the build cache that another image
    /// builds on (its history and layers start with theirs). A build's untagged result
    /// has no child and stays listed, as docker's `<none>` does.
    public static func intermediateImages(_ images: [StoredImage], store: ImageStore) -> Set<Digest> {
        let untagged = images.filter { $0.repoTags.isEmpty }
        guard !untagged.isEmpty else { return [] }
        let cached = cachedManifestDigests(of: store)
        var intermediate: Set<Digest> = []
        for parent in untagged where cached.contains(parent.manifestDigest) {
            let history = parent.config.history ?? []
            let layers = parent.config.rootfs.diffIDs
            let hasChild = images.contains { child in
                let childHistory = child.config.history ?? []
                return childHistory.count > history.count && childHistory.starts(with: history)
                    && child.config.rootfs.diffIDs.starts(with: layers)
            }
            if hasChild { intermediate.insert(parent.manifestDigest) }
        }
        return intermediate
    }

    /// The manifest digests the build cache records.
    static func cachedManifestDigests(of store: ImageStore) -> Set<Digest> {
        let directory = BuildCache(store: store).directory
        var digests: Set<Digest> = []
        for name in (try? FileIO.directoryNames(directory)) ?? [] {
            guard let text = try? FileIO.readString(directory + "/" + name),
                  let digest = try? Digest(parsing: String(text.prefix { $0 != "\n" })) else { continue }
            digests.insert(digest)
        }
        return digests
    }
}
