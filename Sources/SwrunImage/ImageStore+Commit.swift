#if canImport(Glibc)
import Glibc
#endif
import SwrunLayer
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// `docker commit`: a new image = `base` + one layer holding the changes in the
    /// overlay upper dir `upperDir` (a layer is added even when nothing changed, as
    /// docker does). `changes` are Dockerfile-style lines applied to the config,
    /// `author`/`message` go into the config and its new history step, and `tag` (if
    /// given) is pointed at the image, else it is stored untagged. With `squash` the
    /// image has one layer: the whole merged filesystem. `exclude` names paths left
    /// out when they are empty files (the runtime's bind-mount placeholders).
    ///
    /// Blobs and the unpacked layer are written under `tmp/` and renamed into place
    /// before `index.json` names them, so a crash at any point leaves no image and no
    /// tag half made (at most unreferenced blobs).
    public func commitLayer(
        from upperDir: String, base: StoredImage, changes: [String], author: String?, message: String?,
        createdBy: String, tag: String?, squash: Bool, exclude: [String]
    ) throws -> StoredImage {
        try whilePublishing {
            try commitLayerPublishing(
                from: upperDir, base: base, changes: changes, author: author, message: message, createdBy: createdBy,
                tag: tag, squash: squash, exclude: exclude)
        }
    }

    private func commitLayerPublishing(
        from upperDir: String, base: StoredImage, changes: [String], author: String?, message: String?,
        createdBy: String, tag: String?, squash: Bool, exclude: [String]
    ) throws -> StoredImage {
        let reference = try tag.map(Self.tagReference)
        var configFile = base.config
        configFile.config = try (base.config.config ?? .init()).applying(changes: changes)
        let lowers = squash ? try ensureUnpacked(base) : []
        let layer = try commitBlob { fd in
            squash
                ? try LayerWriter.writeMerged(layers: lowers + [upperDir], to: fd, exclude: exclude)
                : try LayerWriter.writeDiff(directory: upperDir, to: fd, exclude: exclude)
        }

        let created = Timestamp.now()
        var history = configFile.history ?? []
        if squash {
            // The old steps stay as a record; their layers now live in the one new layer.
            history = history.map { step in
                var step = step
                step.emptyLayer = true
                return step
            }
            configFile.rootfs.diffIDs = [layer.digest]
        } else {
            configFile.rootfs.diffIDs.append(layer.digest)
        }
        history.append(.init(created: created, createdBy: createdBy, author: author, comment: message))
        configFile.history = history
        configFile.created = created
        configFile.author = author

        return try publishImage(config: configFile, layers: squash ? [layer] : base.manifest.layers + [layer], tag: reference)
    }

    /// Stores `config` and a manifest of `layers` (blobs already stored), then points
    /// `tag` at the image, else adds it untagged: the last steps of every new image
    /// (commit, build).
    func publishImage(config: ImageConfigFile, layers: [Descriptor], tag reference: Reference?) throws -> StoredImage {
        let configDescriptor = try storeBlob(
            try OCIJSON.encode(config), mediaType: MediaType.ociConfig)
        let manifest = ImageManifest(config: configDescriptor, layers: layers)
        let manifestDescriptor = try storeBlob(
            try OCIJSON.encode(manifest), mediaType: MediaType.ociManifest)
        return try tagIndex.update { index in
            if let reference {
                TagIndex.setTag(reference.fullName, to: manifestDescriptor, in: &index)
            } else {
                TagIndex.addUntagged(manifestDescriptor, to: &index)
            }
            return try image(for: manifestDescriptor, in: index)
        }
    }

    /// Stores the layer tar that `write` streams to the fd it is given as a plain-tar
    /// blob (digest = DiffID, as docker keeps local layers), hashed on its way out.
    /// The layer is not unpacked here: ext4 has no reflinks, so an unpacked copy would
    /// cost a second full write of the change. `ensureUnpacked` makes it from the blob
    /// on the first `run`, through the hardened extractor; images that are only
    /// saved or pushed never pay for it.
    func commitBlob(_ write: (Int32) throws -> LayerDigests) throws -> Descriptor {
        workArea.removeStale()
        return try content.ingest { staged in
            let digests = try write(staged.fd)
            guard let diffID = try? Digest(parsing: digests.diffID) else {
                throw SwrunError(.internalError, "layer writer returned an invalid DiffID: \(digests.diffID)")
            }
            try content.commit(staged, size: digests.uncompressedSize, written: diffID)
            return Descriptor(mediaType: MediaType.ociLayerTar, digest: diffID, size: digests.uncompressedSize)
        }
    }
}
