import SwrunLayer
import SwrunOCI
import SwrunOS

/// The store's side of `swrun build`: each step's image, and finding a cached step again.
extension ImageStore {
    /// One build step's image: `base`'s layers (none for `FROM scratch`), plus a layer
    /// holding the changes in `upperDir` when given (a RUN's overlay upper dir, or the
    /// directory COPY wrote), with `config` and `history` appended to the base's
    /// history (`emptyLayer` when no layer is added). Stored untagged: the build tags
    /// its last step. `exclude` names paths left out when they are empty files (the
    /// runtime's bind-mount placeholders).
    public func storeBuildStep(
        base: StoredImage?, layerFrom upperDir: String?, config: ImageConfigFile.Config, history step: ImageConfigFile.History,
        exclude: [String] = []
    ) throws -> StoredImage {
        try whilePublishing {
            var configFile = base?.config
                ?? ImageConfigFile(architecture: HostSystem.goArch, os: "linux", rootfs: .init(diffIDs: []), history: [])
            var layers = base?.manifest.layers ?? []
            var step = step
            if let upperDir {
                let layer = try commitBlob { fd in try LayerWriter.writeDiff(directory: upperDir, to: fd, exclude: exclude) }
                layers.append(layer)
                configFile.rootfs.diffIDs.append(layer.digest)
                step.emptyLayer = nil
            } else {
                step.emptyLayer = true
            }
            configFile.config = config
            configFile.history = (configFile.history ?? []) + [step]
            configFile.created = step.created
            return try publishImage(config: configFile, layers: layers, tag: nil)
        }
    }

    /// The image whose manifest is `digest`, if `index.json` still names it (a build
    /// cache entry whose image was removed is not found). Reads `index.json` and that
    /// image's two blobs, never every image.
    public func image(manifestDigest digest: Digest) throws -> StoredImage? {
        let index = try tagIndex.read()
        guard let entry = index.manifests.first(where: { $0.digest == digest }), !MediaType.isIndex(entry.mediaType) else {
            return nil
        }
        return try loadImage(Descriptor(mediaType: entry.mediaType, digest: entry.digest, size: entry.size), repoTags: [])
    }
}
