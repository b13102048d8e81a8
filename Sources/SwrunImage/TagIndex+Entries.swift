import SwrunOCI

/// The changes made to an index's entries: tags set and removed, repo digests,
/// untagged entries. Pure functions of the index, applied inside `TagIndex.update`.
extension TagIndex {
    /// The annotation on an untagged entry that names the `repo@digest` it was pulled
    /// as (docker's RepoDigests), so that reference resolves later.
    static let repoDigestKey = "dev.swrun.image.repo-digest"

    /// The tag annotation of an index entry.
    static func refName(of descriptor: Descriptor) -> String? {
        descriptor.annotations?[AnnotationKey.refName]
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

    /// Drops the tag `refName` from the image's entries (those `isImage` picks); the
    /// last one becomes an untagged entry, so the image stays in the store.
    static func removeTag(_ refName: String, in index: inout ImageIndex, where isImage: (Descriptor) -> Bool) {
        let others = index.manifests.contains { isImage($0) && Self.refName(of: $0) != refName }
        guard let position = index.manifests.firstIndex(where: { isImage($0) && Self.refName(of: $0) == refName })
        else { return }
        if others {
            index.manifests.remove(at: position)
        } else {
            index.manifests[position].annotations?[AnnotationKey.refName] = nil
            if index.manifests[position].annotations?.isEmpty == true { index.manifests[position].annotations = nil }
        }
    }

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
