#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwrunDigest
import SwrunOCI
import SwrunOS

/// The image store: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/`)
/// plus `layers/<diffID hex>/` (unpacked layers for overlay) and `tmp/` (work in
/// progress). It is the image operations (resolve, list, import, commit, save/load,
/// pull/push, remove and garbage collection, container filesystems) over three
/// stores: `ContentStore` (the blobs), `TagIndex` (`index.json`, the tags) and
/// `LayerStore` (the unpacked layers). Seeding the default images is `DefaultImages`.
///
/// Every write goes to a temporary file, is fsynced (and verified: blobs enter
/// through `ContentStore`), then renamed into place.
/// `index.json` changes under `flock` on `.index.lock`; each layer unpacks under its
/// own `layers/.<hex>.lock`, so concurrent processes share one store safely.
public final class ImageStore: Sendable {
    /// The store's root directory (absolute).
    public let root: String
    /// The blobs, `blobs/sha256/<hex>`.
    let content: ContentStore
    /// The tags, `index.json`.
    let tagIndex: TagIndex
    /// The unpacked layers, `layers/<diffID hex>/`.
    let layerStore: LayerStore
    /// Work in progress, `tmp/`.
    let workArea: WorkArea

    var blobsDirectory: String { content.directory }
    var layersDirectory: String { layerStore.directory }
    var tmpDirectory: String { workArea.directory }
    /// `<diffID hex>` → the gzip twin `push` made of a plain-tar layer.
    var compressedDirectory: String { root + "/compressed" }
    /// Held shared by whatever publishes blobs or layers until its index entry is
    /// written (commit, import, load, pull, push's gzip twins), and exclusively by
    /// garbage collection (rmi, prune): a blob or layer that another process has just
    /// published (or found present) is never collected before its image names it.
    var collectionLockPath: String { root + "/.gc.lock" }

    /// Runs `body` holding the collection lock shared (see `collectionLockPath`).
    func whilePublishing<Result>(_ body: () throws -> Result) throws -> Result {
        try FileLock.withSharedLock(collectionLockPath, body)
    }

    /// `whilePublishing` for async work (pull).
    func whilePublishing<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await FileLock.withSharedLock(collectionLockPath, body)
    }

    /// Opens the store at `root`, creating the directories, `oci-layout` and an empty
    /// `index.json` when they are missing.
    public init(root: String) throws {
        self.root = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        let content = ContentStore(directory: self.root + "/blobs/sha256", ingestDirectory: self.root + "/tmp")
        let workArea = WorkArea(directory: self.root + "/tmp", content: content)
        self.content = content
        self.workArea = workArea
        self.tagIndex = TagIndex(root: self.root)
        self.layerStore = LayerStore(directory: self.root + "/layers", content: content, workArea: workArea)
        for directory in [self.root, blobsDirectory, layersDirectory] {
            try FileIO.makeDirectories(directory)
        }
        // Layers are extracted (and commits staged) in trees under tmp/.
        try FileIO.makeSpreadDirectory(tmpDirectory)
        let layoutPath = self.root + "/oci-layout"
        if !FileIO.exists(layoutPath) {
            try FileIO.writeDurably(at: layoutPath, bytes: try OCIJSON.encode(ImageLayout()))
        }
        try tagIndex.createIfMissing()
    }

    /// Resolves a name (a tag, normalised like docker: `busybox` is
    /// `docker.io/library/busybox:latest`; or `name@sha256:…`), a full image ID
    /// (`sha256:…` or 64 hex), or a unique prefix of at least 3 hex of an image ID.
    /// Not found → `.notFound` "No such image: X"; a prefix of several IDs → `.conflict`.
    public func resolve(_ name: String) throws -> StoredImage {
        let index = try tagIndex.read()
        if let id = Self.fullImageID(name) {
            if let image = try images(in: index).first(where: { $0.id == id }) { return image }
            throw SwrunError(.notFound, "No such image: \(name)")
        }
        let reference: Reference
        do {
            reference = try Reference(parsing: name)
        } catch {
            if let image = try resolve(idPrefix: name, in: index) { return image }
            throw error
        }
        if let image = try resolve(reference, in: index) { return image }
        if let image = try resolve(idPrefix: name, in: index) { return image }
        throw SwrunError(.notFound, "No such image: \(reference.familiarName)")
    }

    /// Every image in `index.json`, once each, in index order.
    public func list() throws -> [StoredImage] {
        try images(in: tagIndex.read())
    }

    /// The path of the blob with `digest`.
    func blobPath(_ digest: Digest) -> String { content.path(of: digest) }

    /// The path of the unpacked layer with `diffID`.
    func layerPath(_ diffID: Digest) -> String { layerStore.path(of: diffID) }

    /// The unpacked layer directories of `image`, base first, for overlay's lowerdir.
    /// Missing ones are unpacked from their blobs (tar, tar+gzip or tar+zstd), each
    /// once even when several processes ask at the same time.
    public func ensureUnpacked(_ image: StoredImage) throws -> [String] {
        try layerStore.ensureUnpacked(image)
    }

    /// `sha256:<64 hex>` or 64 bare hex, as an image ID.
    static func fullImageID(_ name: String) -> Digest? {
        if name.hasPrefix("sha256:") { return try? Digest(parsing: name) }
        return try? Digest(sha256Hex: name)
    }

    private func resolve(_ reference: Reference, in index: ImageIndex) throws -> StoredImage? {
        let entry: Descriptor?
        if let digest = reference.digest {
            entry = index.manifests.first { descriptor in
                descriptor.annotations?[TagIndex.repoDigestKey] == reference.fullName
            } ?? index.manifests.first { descriptor in
                descriptor.digest == digest
                    && TagIndex.refName(of: descriptor).flatMap { try? Reference(parsing: $0) }?.repository == reference.repository
            }
        } else {
            entry = index.manifests.first { TagIndex.refName(of: $0) == reference.fullName }
        }
        guard let entry else { return nil }
        return try image(for: platformManifest(for: entry), in: index)
    }

    private func resolve(idPrefix name: String, in index: ImageIndex) throws -> StoredImage? {
        let prefix = name.hasPrefix("sha256:") ? String(name.dropFirst(7)) : name
        guard prefix.count >= 3, Digest.isLowercaseHex(prefix) else { return nil }
        let matches = try images(in: index).filter { $0.id.hex.hasPrefix(prefix) }
        if matches.count > 1 {
            throw SwrunError(.conflict, "image ID prefix \(name) is ambiguous: it matches \(matches.count) images")
        }
        return matches.first
    }

    /// The images `index` names, grouping the entries (tags) of one manifest.
    func images(in index: ImageIndex) throws -> [StoredImage] {
        try manifestGroups(in: index).map { try loadImage($0.manifest, repoTags: $0.tags) }
    }

    /// The image whose manifest is `target`, with all its tags in `index`.
    func image(for target: Descriptor, in index: ImageIndex) throws -> StoredImage {
        let tags = try manifestGroups(in: index).first { $0.manifest.digest == target.digest }?.tags ?? []
        return try loadImage(target, repoTags: tags)
    }

    /// The index entries grouped by the manifest they stand for, in index order.
    private func manifestGroups(in index: ImageIndex) throws -> [(manifest: Descriptor, tags: [String])] {
        var groups: [(manifest: Descriptor, tags: [String])] = []
        var positions: [Digest: Int] = [:]
        for entry in index.manifests {
            let target = try platformManifest(for: entry)
            let position: Int
            if let existing = positions[target.digest] {
                position = existing
            } else {
                position = groups.count
                positions[target.digest] = position
                groups.append((target, []))
            }
            if let name = TagIndex.refName(of: entry) {
                groups[position].tags.append(Self.familiarName(ofRefName: name))
            }
        }
        return groups
    }

    /// The manifest an index entry stands for: the entry itself, or for a
    /// multi-platform index the manifest for this host's platform.
    func platformManifest(for entry: Descriptor) throws -> Descriptor {
        guard MediaType.isIndex(entry.mediaType) else {
            return Descriptor(mediaType: entry.mediaType, digest: entry.digest, size: entry.size)
        }
        let nested = try OCIJSON.decode(ImageIndex.self, from: readBlob(entry.digest), what: "index \(entry.digest)")
        let architecture = HostSystem.goArch
        guard let match = nested.manifests.first(where: {
            MediaType.isManifest($0.mediaType) && $0.platform?.os == "linux" && $0.platform?.architecture == architecture
        }) else {
            throw SwrunError(.notFound, "index \(entry.digest.short) has no manifest for linux/\(architecture)")
        }
        return Descriptor(mediaType: match.mediaType, digest: match.digest, size: match.size)
    }

    /// Reads and verifies the manifest and config of one image.
    func loadImage(_ descriptor: Descriptor, repoTags: [String]) throws -> StoredImage {
        let manifest = try OCIJSON.decode(
            ImageManifest.self, from: readBlob(descriptor.digest), what: "manifest \(descriptor.digest)")
        let config = try OCIJSON.decode(
            ImageConfigFile.self, from: readBlob(manifest.config.digest), what: "config \(manifest.config.digest)")
        return StoredImage(
            id: manifest.config.digest, manifestDigest: descriptor.digest, manifest: manifest,
            config: config, repoTags: repoTags, manifestDescriptor: descriptor)
    }

    /// `docker.io/library/busybox:latest` → `busybox:latest`; other tools' ref names
    /// (`latest`, `v1`) are shown as they are.
    static func familiarName(ofRefName name: String) -> String {
        (try? Reference(parsing: name)).map(\.familiarName) ?? name
    }
}
