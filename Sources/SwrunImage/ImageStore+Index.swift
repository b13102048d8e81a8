import SwrunOCI
import SwrunOS

extension ImageStore {
    /// Points the tag `name` (normalised; `busybox` is `busybox:latest`) at `image`,
    /// moving it off any other image. An image left without tags stays in the store
    /// as an untagged entry.
    public func tag(_ image: StoredImage, as name: String) throws {
        let reference = try Self.tagReference(name)
        try updateIndex { index in
            Self.setTag(reference.fullName, to: image.manifestDescriptor, in: &index)
        }
    }

    /// `name` parsed as a tag to write: a digest cannot be one.
    static func tagReference(_ name: String) throws -> Reference {
        let reference = try Reference(parsing: name)
        guard reference.digest == nil else {
            throw SwrunError(.invalidArgument, "refusing to create a tag with a digest reference: \(name)")
        }
        return reference
    }

    /// The current `index.json`. Safe without the lock: it is only ever replaced by rename.
    func readIndex() throws -> ImageIndex {
        let bytes = try FileIO.readFile(indexPath)
        return try OCIJSON.decode(ImageIndex.self, from: bytes, what: indexPath)
    }

    /// Changes `index.json` under the store's index lock: re-reads it after taking the
    /// lock, applies `change`, and replaces the file atomically if it changed.
    @discardableResult
    func updateIndex<Result>(_ change: (inout ImageIndex) throws -> Result) throws -> Result {
        try FileLock.withExclusiveLock(indexLockPath) {
            let before = try readIndex()
            var index = before
            let result = try change(&index)
            if index != before { try writeIndex(index) }
            return result
        }
    }

    /// Replaces `index.json`; the caller holds the index lock.
    func writeIndex(_ index: ImageIndex) throws {
        try FileIO.writeDurably(at: indexPath, bytes: try OCIJSON.encode(index))
    }

    /// Makes `refName` point at `manifest` in `index`. Other entries of the tag go; a
    /// manifest that loses its last entry that way stays as an untagged entry.
    static func setTag(_ refName: String, to manifest: Descriptor, in index: inout ImageIndex) {
        let displaced = index.manifests.filter { Self.refName(of: $0) == refName && $0.digest != manifest.digest }
        index.manifests.removeAll { entry in
            let name = Self.refName(of: entry)
            return name == refName || (name == nil && entry.digest == manifest.digest)
        }
        var entry = manifest
        entry.annotations = [AnnotationKey.refName: refName]
        index.manifests.append(entry)
        for old in displaced where !index.manifests.contains(where: { $0.digest == old.digest }) {
            var untagged = old
            untagged.annotations?[AnnotationKey.refName] = nil
            if untagged.annotations?.isEmpty == true { untagged.annotations = nil }
            index.manifests.append(untagged)
        }
    }

    /// The annotation on an untagged entry that names the `repo@digest` it was pulled
    /// as (docker's RepoDigests), so that reference resolves later.
    static let repoDigestKey = "dev.swrun.image.repo-digest"

    /// Records that `manifest` was pulled as `repoDigest` (`name@sha256:…`).
    static func addRepoDigest(_ repoDigest: String, to manifest: Descriptor, in index: inout ImageIndex) {
        guard !index.manifests.contains(where: { $0.annotations?[repoDigestKey] == repoDigest && $0.digest == manifest.digest }) else {
            return
        }
        index.manifests.removeAll { $0.digest == manifest.digest && $0.annotations == nil }
        var entry = manifest
        entry.annotations = [repoDigestKey: repoDigest]
        index.manifests.append(entry)
    }

    /// Adds an untagged entry for `manifest` unless `index` already has an entry for it.
    static func addUntagged(_ manifest: Descriptor, to index: inout ImageIndex) {
        guard !index.manifests.contains(where: { $0.digest == manifest.digest }) else { return }
        index.manifests.append(manifest)
    }
}
