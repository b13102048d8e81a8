import SwrunOCI
import SwrunOS

extension ImageStore {
    /// `docker import`: makes a one-layer image from the rootfs tarball read from
    /// `inputFD` (plain, gzip, zstd, xz or bzip2). `changes` are Dockerfile-style
    /// `--change` lines for the config, `message` becomes the history comment, and
    /// `tag` (if given) is pointed at the new image, moving it off any other.
    /// A failure leaves the store as it was.
    public func importTarball(inputFD: Int32, changes: [String], message: String?, tag: String?) throws -> StoredImage {
        let reference = try tag.map(Self.tagReference)
        let config = try ImageConfigFile.Config().applying(changes: changes)
        let image = try importImage(
            inputFD: inputFD, config: config, created: Timestamp.now(),
            history: .init(createdBy: "swrun import", comment: message ?? "Imported from -"),
            tags: reference.map { [$0] } ?? [])
        recordImageEvent("import", id: image.id.string, name: image.id.string)
        return image
    }

    /// Stores a one-layer image from the tarball at `inputFD` and points `tags` at it
    /// (or keeps it untagged). `history` gets `created` filled in.
    func importImage(
        inputFD: Int32, config: ImageConfigFile.Config, created: String,
        history: ImageConfigFile.History, tags: [Reference]
    ) throws -> StoredImage {
        try whilePublishing {
            try importImagePublishing(inputFD: inputFD, config: config, created: created, history: history, tags: tags)
        }
    }

    private func importImagePublishing(
        inputFD: Int32, config: ImageConfigFile.Config, created: String,
        history: ImageConfigFile.History, tags: [Reference]
    ) throws -> StoredImage {
        let layer = try layerStore.ingest(inputFD: inputFD)
        var step = history
        step.created = created
        let configFile = ImageConfigFile(
            created: created, architecture: HostSystem.goArch, os: "linux", config: config,
            rootfs: .init(diffIDs: [layer.digest]), history: [step])
        let configDescriptor = try storeBlob(
            try OCIJSON.encode(configFile), mediaType: MediaType.ociConfig)
        let manifest = ImageManifest(config: configDescriptor, layers: [layer])
        let manifestDescriptor = try storeBlob(
            try OCIJSON.encode(manifest), mediaType: MediaType.ociManifest)
        return try tagIndex.update { index in
            if tags.isEmpty {
                TagIndex.addUntagged(manifestDescriptor, to: &index)
            }
            for reference in tags {
                TagIndex.setTag(reference.fullName, to: manifestDescriptor, in: &index)
            }
            return try image(for: manifestDescriptor, in: index)
        }
    }
}
