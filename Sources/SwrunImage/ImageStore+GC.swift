#if canImport(Glibc)
import Glibc
#endif
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// Deletes the blobs (manifests, configs, layer blobs) and unpacked layers that no
    /// image of `index` uses. The caller holds the index lock and has already written
    /// `index`, so a crash here leaves only garbage, which a later collection removes.
    ///
    /// Whatever `candidates` (the images just removed) and their removed index
    /// `entries` (manifests or nested indexes) referenced goes at once; any
    /// other unreferenced file only once it is older than `grace` seconds, because an
    /// import publishes its layer before it takes the index lock to add the image.
    /// Returns the DiffIDs of the removed images' layers that no image uses any more
    /// (their blobs and unpacked directories are gone) and the bytes of blobs freed.
    func collectGarbage(
        in index: ImageIndex, candidates: [StoredImage], entries: [Digest] = [], grace: Int = 3600
    ) throws -> (layers: [Digest], bytes: Int64) {
        var liveBlobs: Set<String> = []
        var liveLayers: Set<String> = []
        for entry in index.manifests {
            liveBlobs.insert(entry.digest.hex)
            var manifests = [entry]
            if MediaType.isIndex(entry.mediaType) {
                // Every platform of a kept index stays, so `save` can write it whole.
                let nested = try? OCIJSON.decode(ImageIndex.self, from: readBlob(entry.digest), what: "index")
                manifests = (nested?.manifests ?? []).filter { MediaType.isManifest($0.mediaType) }
            }
            for manifest in manifests {
                liveBlobs.insert(manifest.digest.hex)
                guard let image = try? loadImage(manifest, repoTags: []) else { continue }
                liveBlobs.insert(image.id.hex)
                for layer in image.manifest.layers { liveBlobs.insert(layer.digest.hex) }
                for diffID in image.config.rootfs.diffIDs { liveLayers.insert(diffID.hex) }
            }
        }
        // A live layer's gzip twin (made by `push`) lives with it.
        for hex in liveLayers {
            if let twin = compressedTwin(ofLayer: hex) { liveBlobs.insert(twin.hex) }
        }
        var doomedBlobs = Set(entries.map(\.hex))
        var doomedLayers: [Digest] = []
        for image in candidates {
            doomedBlobs.formUnion([image.manifestDigest.hex, image.id.hex] + image.manifest.layers.map(\.digest.hex))
            for diffID in image.config.rootfs.diffIDs where !liveLayers.contains(diffID.hex) && !doomedLayers.contains(diffID) {
                doomedLayers.append(diffID)
                if let twin = compressedTwin(ofLayer: diffID.hex) {
                    doomedBlobs.insert(twin.hex)
                    unlink(compressedDirectory + "/" + diffID.hex)
                }
            }
        }
        let cutoff = time(nil) - grace
        var bytes: Int64 = 0
        var removedBlob = false
        for name in Self.entries(of: blobsDirectory) where !liveBlobs.contains(name) {
            let path = blobsDirectory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            guard doomedBlobs.contains(name) || st.st_ctim.tv_sec < cutoff else { continue }
            guard unlink(path) == 0 || errno == ENOENT else { throw SwrunError.system("unlink \(path)") }
            forgetLocations(ofBlob: name)
            bytes += Int64(st.st_size)
            removedBlob = true
        }
        if removedBlob { try FileIO.syncDirectory(blobsDirectory) }

        for name in Self.entries(of: layersDirectory) where !liveLayers.contains(name) {
            let path = layersDirectory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let doomed = doomedLayers.first { $0.hex == name }
            guard doomed != nil || st.st_ctim.tv_sec < cutoff else { continue }
            try layerStore.remove(name)
        }
        return (doomedLayers, bytes)
    }

    /// Names in `directory`, without hidden ones (lock files).
    private static func entries(of directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }
}
