#if canImport(Glibc)
import Glibc
#endif
import SwrunOCI
import SwrunOS

/// The unpacked layers, `layers/<diffID hex>/`, which overlay stacks as lowerdirs.
/// Each layer appears by one rename from `tmp/` under its own lock,
/// `layers/.<hex>.lock`, so concurrent processes unpack it once, and leaves the
/// same way (renamed into `tmp/`, then deleted) so a half-deleted layer never looks
/// unpacked.
struct LayerStore: Sendable {
    /// `layers/`.
    let directory: String
    /// Where layer blobs are read from and ingested layers are stored.
    let content: ContentStore
    /// Where extractions and removals happen before their rename.
    let workArea: WorkArea

    /// The path of the unpacked layer with `diffID`.
    func path(of diffID: Digest) -> String { directory + "/" + diffID.hex }

    /// Runs `body` holding the lock of the unpacked layer named `hex`, `layers/.<hex>.lock`.
    func withLock<Result>(_ hex: String, _ body: () throws -> Result) throws -> Result {
        try FileLock.withExclusiveLock(directory + "/." + hex + ".lock", body)
    }

    /// The unpacked layer directories of `image`, base first, for overlay's lowerdir.
    /// Missing ones are unpacked from their blobs (tar, tar+gzip or tar+zstd), each
    /// once even when several processes ask at the same time.
    func ensureUnpacked(_ image: StoredImage) throws -> [String] {
        let layers = image.manifest.layers
        let diffIDs = image.config.rootfs.diffIDs
        guard layers.count == diffIDs.count else {
            throw SwrunError(.corrupt, "image \(image.id.short): \(layers.count) layers but \(diffIDs.count) diff_ids")
        }
        var cleaned = false
        return try zip(layers, diffIDs).map { layer, diffID in
            let path = path(of: diffID)
            if !FileIO.exists(path) {
                if !cleaned {
                    workArea.removeStale()
                    cleaned = true
                }
                try unpack(layer, diffID: diffID)
            }
            return path
        }
    }

    /// Moves `directory`, a layer already unpacked and checked against `diffID`
    /// under `tmp/`, to `layers/` unless that layer is unpacked already.
    func adopt(_ unpacked: String, diffID: Digest) throws {
        if FileIO.exists(path(of: diffID)) { return }
        try withLock(diffID.hex) {
            if !FileIO.exists(path(of: diffID)) { try moveIntoPlace(unpacked, diffID: diffID) }
        }
    }

    /// Moves `layers/<hex>` into a work directory under the layer's lock, then deletes
    /// it there: a crash mid-delete never leaves a half-empty layer that looks unpacked.
    func remove(_ hex: String) throws {
        let path = directory + "/" + hex
        try workArea.withDirectory { work in
            let moved = try withLock(hex) { () throws -> Bool in
                guard rename(path, work + "/layer") == 0 else {
                    if errno == ENOENT { return false }
                    throw SwrunError.system("rename \(path) to \(work)/layer")
                }
                try FileIO.syncDirectory(directory)
                return true
            }
            if moved { try FileIO.removeTree(work + "/layer") }
        }
    }

    /// Flushes the extracted files and renames `rootfs` to `layers/<hex>`; the caller
    /// holds the layer's lock and has checked that the target does not exist.
    func moveIntoPlace(_ rootfs: String, diffID: Digest) throws {
        let fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(rootfs)") }
        let synced = syncfs(fd)
        let syncErrno = errno
        close(fd)
        guard synced == 0 else { throw SwrunError.system("syncfs \(rootfs)", errno: syncErrno) }
        let target = path(of: diffID)
        guard rename(rootfs, target) == 0 else { throw SwrunError.system("rename \(rootfs) to \(target)") }
        try FileIO.syncDirectory(directory)
    }
}

/// glibc's `syncfs(2)`, which its headers declare only under `_GNU_SOURCE`, so the
/// Glibc module does not export it; it has a plain C signature.
@_silgen_name("syncfs")
private func syncfs(_ fd: Int32) -> Int32
