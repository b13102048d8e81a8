#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwrunLayer
import SwrunOCI
import SwrunOS

/// The archive formats `swrun save` writes and `swrun load` reads.
public enum ImageArchiveFormat: String, Sendable, CaseIterable {
    /// docker ≥ 25's tar: an OCI image layout plus `manifest.json` and `repositories`,
    /// so both docker-archive and oci-archive readers accept it.
    case dockerArchive = "docker-archive"
    /// A tar of an OCI image layout.
    case ociArchive = "oci-archive"
    /// An OCI image layout written to a directory.
    case ociDirectory = "oci-dir"
}

/// containerd's annotation for the full image name; docker sets it on `save`.
let containerdImageNameKey = "io.containerd.image.name"

/// One entry of docker's `manifest.json`.
struct DockerArchiveManifest: Codable {
    var config: String
    var repoTags: [String]?
    var layers: [String]

    enum CodingKeys: String, CodingKey {
        case config = "Config"
        case repoTags = "RepoTags"
        case layers = "Layers"
    }
}

extension ImageStore {
    /// One image to save with the tags it was named by.
    private struct SavedImage {
        var image: StoredImage
        var tags: [Reference]
    }

    /// Writes `names` (tags or IDs) as a tar archive in `format` to `fd`. A name that
    /// is a tag keeps it in the archive; an ID saves the image untagged.
    public func save(images names: [String], format: ImageArchiveFormat, toFD fd: Int32) throws {
        guard format != .ociDirectory else {
            throw SwrunError(.invalidArgument, "oci-dir needs a directory: use save(images:toDirectory:)")
        }
        let images = try savedImages(names)
        let writer = try TarWriter(fd: fd, format: .paxRestricted, label: "save", digesting: false)
        let layout = try layoutFiles(images, format: format)
        try writer.addDirectory("blobs")
        try writer.addDirectory("blobs/sha256")
        for digest in blobDigests(images) {
            try writer.addFile("blobs/sha256/" + digest.hex, contentsOf: blobPath(digest))
        }
        for (name, bytes) in layout {
            try writer.addFile(name, bytes: bytes)
        }
        try writer.finish()
        for saved in images { recordImageEvent("save", id: saved.image.id.string, name: saved.image.id.string) }
    }

    /// Writes `names` as an OCI image layout into `directory` (created if missing).
    public func save(images names: [String], toDirectory directory: String) throws {
        let images = try savedImages(names)
        try FileIO.makeDirectories(directory + "/blobs/sha256")
        for digest in blobDigests(images) {
            let target = directory + "/blobs/sha256/" + digest.hex
            if !FileIO.exists(target) { try FileIO.copyFile(blobPath(digest), to: target) }
        }
        for (name, bytes) in try layoutFiles(images, format: .ociDirectory) {
            try FileIO.writeFile(directory + "/" + name, bytes: bytes)
        }
        for saved in images { recordImageEvent("save", id: saved.image.id.string, name: saved.image.id.string) }
    }

    private func savedImages(_ names: [String]) throws -> [SavedImage] {
        guard !names.isEmpty else { throw SwrunError(.invalidArgument, "save needs at least one image") }
        var images: [SavedImage] = []
        for name in names {
            let image = try resolve(name)
            var tag: Reference?
            if Self.fullImageID(name) == nil, let reference = try? Reference(parsing: name), reference.digest == nil,
               image.repoTags.contains(reference.familiarName) {
                tag = reference
            }
            if let position = images.firstIndex(where: { $0.image.id == image.id }) {
                if let tag, !images[position].tags.contains(tag) { images[position].tags.append(tag) }
            } else {
                images.append(SavedImage(image: image, tags: tag.map { [$0] } ?? []))
            }
        }
        return images
    }

    /// Every blob the images need (manifests, configs, layers), once each.
    private func blobDigests(_ images: [SavedImage]) -> [Digest] {
        var seen = Set<Digest>()
        var digests: [Digest] = []
        for saved in images {
            let manifest = saved.image.manifest
            for digest in [saved.image.manifestDigest, manifest.config.digest] + manifest.layers.map(\.digest)
            where seen.insert(digest).inserted {
                digests.append(digest)
            }
        }
        return digests
    }

    /// `oci-layout`, `index.json` and, for docker-archive, `manifest.json` and `repositories`.
    private func layoutFiles(_ images: [SavedImage], format: ImageArchiveFormat) throws -> [(String, [UInt8])] {
        var index = ImageIndex(mediaType: MediaType.ociIndex)
        for saved in images {
            let descriptor = saved.image.manifestDescriptor
            if saved.tags.isEmpty { index.manifests.append(descriptor) }
            for tag in saved.tags {
                var entry = descriptor
                entry.annotations = [containerdImageNameKey: tag.fullName, AnnotationKey.refName: tag.tag ?? "latest"]
                index.manifests.append(entry)
            }
        }
        var files: [(String, [UInt8])] = try [("oci-layout", try OCIJSON.encode(ImageLayout())), ("index.json", try OCIJSON.encode(index))]
        guard format == .dockerArchive else { return files }
        let manifests = images.map { saved in
            DockerArchiveManifest(
                config: "blobs/sha256/" + saved.image.manifest.config.digest.hex,
                repoTags: saved.tags.isEmpty ? nil : saved.tags.map(\.familiarName),
                layers: saved.image.manifest.layers.map { "blobs/sha256/" + $0.digest.hex })
        }
        var repositories: [String: [String: String]] = [:]
        for saved in images {
            guard let top = saved.image.manifest.layers.last?.digest.hex else { continue }
            for tag in saved.tags {
                repositories[tag.familiarRepository, default: [:]][tag.tag ?? "latest"] = top
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            files.append(("manifest.json", Array(try encoder.encode(manifests))))
            files.append(("repositories", Array(try encoder.encode(repositories))))
        } catch {
            throw SwrunError(.internalError, "encode manifest.json: \(error)")
        }
        return files
    }
}
