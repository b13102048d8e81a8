import SwrunOCI
import SwrunOS

/// A container that uses an image, as `rmi` reports it.
public struct ImageUser: Sendable, Equatable {
    public var containerID: String
    public var running: Bool

    public init(containerID: String, running: Bool) {
        self.containerID = containerID
        self.running = running
    }
}

/// What removing one name (or pruning) did, in docker's order: tags untagged, then
/// the image ID and the layers deleted with it.
public struct ImageRemoval: Sendable, Equatable {
    /// Familiar names of the tags removed.
    public var untagged: [String] = []
    /// Image IDs, then the DiffIDs of layers no remaining image uses.
    public var deleted: [Digest] = []
    /// Bytes of blobs deleted.
    public var reclaimedBytes: Int64 = 0

    public init() {}
}

extension ImageStore {
    /// `docker rmi NAME`: by tag, untags it, and deletes the image when that was its
    /// last reference; by ID (full or a unique prefix), deletes the image and its tags.
    /// `user` says which container, if any, uses an image ID. Refusals are `.conflict`
    /// with docker's message; `force` overrides all but a running container.
    /// The index is rewritten first, then unreferenced blobs and layers are deleted,
    /// all under the index lock.
    public func removeImage(_ name: String, force: Bool, user: (Digest) -> ImageUser?) throws -> ImageRemoval {
        // Collection lock first, index lock second: publishers take them in that order.
        try FileLock.withExclusiveLock(collectionLockPath) { try tagIndex.withLock {
            var index = try tagIndex.read()
            let image = try resolve(name)
            // `repo@sha256:…` names the content, not a tag: it goes as an ID does.
            let byID = Self.isImageIDPrefix(name, of: image.id) || (try? Reference(parsing: name))?.digest != nil
            var removal = ImageRemoval()
            let isImage = { (entry: Descriptor) in self.stands(entry, for: image) }
            let refNames = index.manifests.filter(isImage).compactMap(TagIndex.refName(of:))

            if !byID {
                if !force, refNames.count <= 1, let user = user(image.id) {
                    throw SwrunError(
                        .conflict,
                        "conflict: unable to remove repository reference \"\(name)\" (must force) - container "
                            + "\(String(user.containerID.prefix(12))) is using its referenced image \(image.id.short)")
                }
                let reference = try Self.tagReference(name)
                let refName = refNames.contains(reference.fullName)
                    ? reference.fullName : refNames.first { Self.familiarName(ofRefName: $0) == name } ?? reference.fullName
                TagIndex.removeTag(refName, in: &index, where: isImage)
                removal.untagged.append(Self.familiarName(ofRefName: refName))
                if refNames.count > 1 || user(image.id)?.running == true {
                    // Other tags remain, or a running container keeps the now untagged image (docker's -f).
                    try tagIndex.write(index)
                    recordRemoval(removal, of: image.id)
                    return removal
                }
            } else {
                if refNames.count > 1 && !force {
                    throw SwrunError(
                        .conflict,
                        "conflict: unable to delete \(image.id.short) (must be forced) - image is referenced in multiple repositories")
                }
                if let user = user(image.id) {
                    if user.running || !force {
                        throw SwrunError(
                            .conflict,
                            "conflict: unable to delete \(image.id.short) (\(user.running ? "cannot" : "must") be forced) - "
                                + "image is being used by \(user.running ? "running" : "stopped") container "
                                + String(user.containerID.prefix(12)))
                    }
                }
                removal.untagged = refNames.map(Self.familiarName(ofRefName:))
            }
            let entries = index.manifests.filter(isImage).map(\.digest)
            index.manifests.removeAll(where: isImage)
            try tagIndex.write(index)
            removal.deleted.append(image.id)
            let collected = try collectGarbage(in: index, candidates: [image], entries: entries)
            removal.deleted += collected.layers
            removal.reclaimedBytes = collected.bytes
            recordRemoval(removal, of: image.id)
            return removal
        } }
    }

    /// `docker image prune`: deletes the images `shouldRemove` picks (it sees each with
    /// its tags), untagging them first, then collects what no remaining image uses.
    public func pruneImages(_ shouldRemove: (StoredImage) -> Bool) throws -> ImageRemoval {
        // Collection lock first, index lock second: publishers take them in that order.
        try FileLock.withExclusiveLock(collectionLockPath) { try tagIndex.withLock {
            var index = try tagIndex.read()
            let doomed = try images(in: index).filter(shouldRemove)
            var removal = ImageRemoval()
            guard !doomed.isEmpty else { return removal }
            let isDoomed = { (entry: Descriptor) in doomed.contains { self.stands(entry, for: $0) } }
            let entries = index.manifests.filter(isDoomed).map(\.digest)
            index.manifests.removeAll(where: isDoomed)
            try tagIndex.write(index)
            for image in doomed {
                removal.untagged += image.repoTags
                removal.deleted.append(image.id)
            }
            let collected = try collectGarbage(in: index, candidates: doomed, entries: entries)
            removal.deleted += collected.layers
            removal.reclaimedBytes = collected.bytes
            return removal
        } }
    }

    /// True when the index entry is `image`: its manifest, or an index holding it.
    func stands(_ entry: Descriptor, for image: StoredImage) -> Bool {
        if entry.digest == image.manifestDigest { return true }
        return MediaType.isIndex(entry.mediaType) && (try? platformManifest(for: entry))?.digest == image.manifestDigest
    }

    /// True when `name` names `id` by itself (full ID or hex prefix) rather than by a tag.
    static func isImageIDPrefix(_ name: String, of id: Digest) -> Bool {
        if fullImageID(name) == id { return true }
        let prefix = name.hasPrefix("sha256:") ? String(name.dropFirst(7)) : name
        return prefix.count >= 3 && Digest.isLowercaseHex(prefix) && id.hex.hasPrefix(prefix)
    }
}
