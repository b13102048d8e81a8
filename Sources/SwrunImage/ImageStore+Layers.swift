#if canImport(Glibc)
import Glibc
#endif
import SwrunLayer
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// The unpacked layer directories of `image`, base first, for overlay's lowerdir.
    /// Missing ones are unpacked from their blobs (tar, tar+gzip or tar+zstd), each
    /// once even when several processes ask at the same time.
    public func ensureUnpacked(_ image: StoredImage) throws -> [String] {
        let layers = image.manifest.layers
        let diffIDs = image.config.rootfs.diffIDs
        guard layers.count == diffIDs.count else {
            throw SwrunError(.corrupt, "image \(image.id.short): \(layers.count) layers but \(diffIDs.count) diff_ids")
        }
        var cleaned = false
        return try zip(layers, diffIDs).map { layer, diffID in
            let path = layerPath(diffID)
            if !FileIO.exists(path) {
                if !cleaned {
                    removeStaleTemporaries()
                    cleaned = true
                }
                try unpack(layer, diffID: diffID)
            }
            return path
        }
    }

    /// Extracts the blob of `layer` into `layers/<diffID hex>` under the layer's lock.
    private func unpack(_ layer: Descriptor, diffID: Digest) throws {
        try withLayerLock(diffID) {
            if FileIO.exists(layerPath(diffID)) { return }
            guard MediaType.isLayer(layer.mediaType) else {
                throw SwrunError(.unsupported, "layer \(layer.digest.short): unsupported media type \(layer.mediaType)")
            }
            let blob = blobPath(layer.digest)
            let fd = open(blob, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT { throw SwrunError(.notFound, "layer blob \(layer.digest) is missing from the store") }
                throw SwrunError.system("open \(blob)")
            }
            defer { close(fd) }
            try withWorkDirectory { work in
                let rootfs = try makeLayerDirectory(in: work)
                let digests = try extract(inputFD: fd, destination: rootfs, teeFD: nil)
                guard digests.diffID == diffID else {
                    throw SwrunError(.corrupt, "layer \(layer.digest.short): content has DiffID \(digests.diffID), the config says \(diffID)")
                }
                try moveLayerIntoPlace(rootfs, diffID: diffID)
            }
        }
    }

    /// Reads a layer tar from `inputFD`, extracting it and storing its uncompressed
    /// tar as a blob in one pass. Returns the blob's descriptor (digest = DiffID).
    /// On failure nothing outside `tmp/` has changed.
    func ingestLayer(inputFD: Int32) throws -> Descriptor {
        removeStaleTemporaries()
        return try withWorkDirectory { work in
            let rootfs = try makeLayerDirectory(in: work)
            // The tee'd blob is hashed again: what reached the file must be what was hashed.
            let digests = try content.ingest { staged in
                let digests = try extract(inputFD: inputFD, destination: rootfs, teeFD: staged.fd)
                try content.commit(staged, expected: digests.diffID, size: digests.size)
                return digests
            }
            if !FileIO.exists(layerPath(digests.diffID)) {
                try withLayerLock(digests.diffID) {
                    if !FileIO.exists(layerPath(digests.diffID)) {
                        try moveLayerIntoPlace(rootfs, diffID: digests.diffID)
                    }
                }
            }
            return Descriptor(mediaType: MediaType.ociLayerTar, digest: digests.diffID, size: digests.size)
        }
    }

    /// Moves `directory`, a layer already unpacked and checked against `diffID`
    /// under `tmp/`, to `layers/` unless that layer is unpacked already.
    func adoptUnpackedLayer(_ directory: String, diffID: Digest) throws {
        if FileIO.exists(layerPath(diffID)) { return }
        try withLayerLock(diffID) {
            if !FileIO.exists(layerPath(diffID)) { try moveLayerIntoPlace(directory, diffID: diffID) }
        }
    }

    /// Runs `body` holding the lock of one unpacked layer, `layers/.<hex>.lock`.
    private func withLayerLock<Result>(_ diffID: Digest, _ body: () throws -> Result) throws -> Result {
        try FileLock.withExclusiveLock(layersDirectory + "/." + diffID.hex + ".lock", body)
    }

    private func makeLayerDirectory(in work: String) throws -> String {
        let rootfs = work + "/rootfs"
        guard mkdir(rootfs, 0o755) == 0 else { throw SwrunError.system("mkdir \(rootfs)") }
        return rootfs
    }

    /// Flushes the extracted files and renames `rootfs` to `layers/<hex>`; the caller
    /// holds the layer's lock and has checked that the target does not exist.
    private func moveLayerIntoPlace(_ rootfs: String, diffID: Digest) throws {
        let fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(rootfs)") }
        let synced = syncfs(fd)
        let syncErrno = errno
        close(fd)
        guard synced == 0 else { throw SwrunError.system("syncfs \(rootfs)", errno: syncErrno) }
        let target = layerPath(diffID)
        guard rename(rootfs, target) == 0 else { throw SwrunError.system("rename \(rootfs) to \(target)") }
        try FileIO.syncDirectory(layersDirectory)
    }

    /// `LayerExtractor.extract` with its DiffID parsed.
    private func extract(inputFD: Int32, destination: String, teeFD: Int32?) throws -> (diffID: Digest, size: Int64) {
        let digests: LayerDigests
        do {
            digests = try LayerExtractor.extract(inputFD: inputFD, destination: destination, teeFD: teeFD)
        } catch let error as SwrunError {
            throw error
        } catch {
            throw SwrunError(.corrupt, "extract layer: \(error)")
        }
        guard let diffID = try? Digest(parsing: digests.diffID) else {
            throw SwrunError(.internalError, "layer extractor returned an invalid DiffID: \(digests.diffID)")
        }
        return (diffID, digests.uncompressedSize)
    }
}

/// glibc's `syncfs(2)`, which its headers declare only under `_GNU_SOURCE`, so the
/// Glibc module does not export it; it has a plain C signature.
@_silgen_name("syncfs")
private func syncfs(_ fd: Int32) -> Int32
