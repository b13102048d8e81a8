#if canImport(Glibc)
import Glibc
#endif
import SwrunLayer
import SwrunOCI
import SwrunOS

/// Extraction: a layer blob (or a layer tar being imported) becomes an unpacked
/// layer through the hardened extractor, checked against its DiffID.
extension LayerStore {
    /// Extracts the blob of `layer` into `layers/<diffID hex>` under the layer's lock.
    func unpack(_ layer: Descriptor, diffID: Digest) throws {
        try withLock(diffID.hex) {
            if FileIO.exists(path(of: diffID)) { return }
            guard MediaType.isLayer(layer.mediaType) else {
                throw SwrunError(.unsupported, "layer \(layer.digest.short): unsupported media type \(layer.mediaType)")
            }
            let blob = content.path(of: layer.digest)
            let fd = open(blob, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT { throw SwrunError(.notFound, "layer blob \(layer.digest) is missing from the store") }
                throw SwrunError.system("open \(blob)")
            }
            defer { close(fd) }
            try workArea.withDirectory { work in
                let rootfs = try makeRootfs(in: work)
                let digests = try extract(inputFD: fd, destination: rootfs, teeFD: nil)
                guard digests.diffID == diffID else {
                    throw SwrunError(.corrupt, "layer \(layer.digest.short): content has DiffID \(digests.diffID), the config says \(diffID)")
                }
                try moveIntoPlace(rootfs, diffID: diffID)
            }
        }
    }

    /// Reads a layer tar from `inputFD`, extracting it and storing its uncompressed
    /// tar as a blob in one pass. Returns the blob's descriptor (digest = DiffID).
    /// On failure nothing outside `tmp/` has changed.
    func ingest(inputFD: Int32) throws -> Descriptor {
        workArea.removeStale()
        return try workArea.withDirectory { work in
            let rootfs = try makeRootfs(in: work)
            // The tee'd blob is hashed again: what reached the file must be what was hashed.
            let digests = try content.ingest { staged in
                let digests = try extract(inputFD: inputFD, destination: rootfs, teeFD: staged.fd)
                try content.commit(staged, expected: digests.diffID, size: digests.size)
                return digests
            }
            try adopt(rootfs, diffID: digests.diffID)
            return Descriptor(mediaType: MediaType.ociLayerTar, digest: digests.diffID, size: digests.size)
        }
    }

    private func makeRootfs(in work: String) throws -> String {
        let rootfs = work + "/rootfs"
        guard mkdir(rootfs, 0o755) == 0 else { throw SwrunError.system("mkdir \(rootfs)") }
        return rootfs
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
