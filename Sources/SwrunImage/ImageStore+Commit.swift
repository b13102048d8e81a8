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
        configFile.config = try translatingOCIErrors { try (base.config.config ?? .init()).applying(changes: changes) }
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

        let configDescriptor = try storeBlob(
            translatingOCIErrors { try OCIJSON.encode(configFile) }, mediaType: MediaType.ociConfig)
        let manifest = ImageManifest(config: configDescriptor, layers: squash ? [layer] : base.manifest.layers + [layer])
        let manifestDescriptor = try storeBlob(
            translatingOCIErrors { try OCIJSON.encode(manifest) }, mediaType: MediaType.ociManifest)
        return try updateIndex { index in
            if let reference {
                Self.setTag(reference.fullName, to: manifestDescriptor, in: &index)
            } else {
                Self.addUntagged(manifestDescriptor, to: &index)
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
    private func commitBlob(_ write: (Int32) throws -> LayerDigests) throws -> Descriptor {
        removeStaleTemporaries()
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

/// One line of `docker diff`: a path in a container's filesystem that was added (A),
/// changed (C) or deleted (D) relative to its image.
public struct FilesystemChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case added = "A", changed = "C", deleted = "D"
    }

    public let kind: Kind
    /// Absolute path inside the container, e.g. `/etc/passwd`.
    public let path: String
}

extension ImageStore {
    /// The runtime's bind-mount targets (`/etc/hostname`, `/etc/hosts`,
    /// `/etc/resolv.conf`) that appear in an upper dir as empty placeholders when the
    /// image lacked them; left out of commits, diffs and exports.
    public static let runtimePlaceholders = LayerWriter.runtimePlaceholders

    /// Streams what a container on `image` with the overlay upper dir `upperDir` sees
    /// as one tar to `fd` (`docker export`).
    public func exportFilesystem(of image: StoredImage, upperDir: String, to fd: Int32) throws {
        _ = try LayerWriter.writeMerged(layers: ensureUnpacked(image) + [upperDir], to: fd, exclude: Self.runtimePlaceholders)
    }

    /// `docker diff`: every entry of the upper dir `upperDir` as an addition or change
    /// (C when the path exists in `image`'s layers, so copied-up parent dirs show as
    /// C), whiteouts as deletions, and for an opaque dir the image's entries under it
    /// as deletions; sorted by path, the runtime's placeholders left out.
    public func changes(upperDir: String, image: StoredImage) throws -> [FilesystemChange] {
        let lowers = try ensureUnpacked(image)
        var result: [FilesystemChange] = []
        try collectChanges(upperDir: upperDir, relative: [], lowers: lowers, into: &result)
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private func collectChanges(upperDir: String, relative: [String], lowers: [String], into result: inout [FilesystemChange]) throws {
        let directory = ([upperDir] + relative).joined(separator: "/")
        let names = try FileIO.directoryNames(directory)
        for name in names {
            let components = relative + [name]
            let path = ([upperDir] + components).joined(separator: "/")
            let display = "/" + components.joined(separator: "/")
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
            if !isDirectory, Self.runtimePlaceholders.contains(components.joined(separator: "/")),
               (st.st_mode & S_IFMT) == S_IFREG, st.st_size == 0 {
                continue
            }
            if LayerWriter.isWhiteout(path) {
                result.append(.init(kind: .deleted, path: display))
                continue
            }
            let below = Self.existsInLayers(components, lowers)
            result.append(.init(kind: below ? .changed : .added, path: display))
            guard isDirectory else { continue }
            if below && LayerWriter.isOpaqueDirectory(path) {
                var hidden = Set<String>()
                for lower in lowers {
                    for child in (try? FileIO.directoryNames(([lower] + components).joined(separator: "/"))) ?? [] {
                        hidden.insert(child)
                    }
                }
                for child in hidden.subtracting(try FileIO.directoryNames(path))
                where Self.existsInLayers(components + [child], lowers) {
                    result.append(.init(kind: .deleted, path: display + "/" + child))
                }
            }
            try collectChanges(upperDir: upperDir, relative: components, lowers: lowers, into: &result)
        }
    }

    /// Whether the path `components` is visible in the stack of unpacked layer dirs
    /// `lowers` (base first), honouring their whiteouts and opaque dirs.
    private static func existsInLayers(_ components: [String], _ lowers: [String]) -> Bool {
        for layer in lowers.reversed() {
            var current = layer
            var hidesBelow = false
            for (position, component) in components.enumerated() {
                current += "/" + component
                var st = stat()
                guard lstat(current, &st) == 0 else { break }
                if LayerWriter.isWhiteout(current) { return false }
                if position == components.count - 1 { return true }
                if (st.st_mode & S_IFMT) != S_IFDIR { return false }
                if LayerWriter.isOpaqueDirectory(current) { hidesBelow = true }
            }
            if hidesBelow { return false }
        }
        return false
    }
}
