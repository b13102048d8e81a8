import SwrunOCI

/// One image of the store, resolved to its manifest and config.
public struct StoredImage: Sendable, Hashable {
    /// The config digest: the image ID docker shows.
    public let id: Digest
    /// The digest of the manifest the store's `index.json` points at.
    public let manifestDigest: Digest
    public let manifest: ImageManifest
    public let config: ImageConfigFile
    /// Familiar names of the tags on this image, e.g. `["busybox:latest"]`.
    public let repoTags: [String]
    /// The manifest's descriptor (media type, digest, size) without annotations.
    let manifestDescriptor: Descriptor
}
