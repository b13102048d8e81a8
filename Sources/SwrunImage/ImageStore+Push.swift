#if canImport(Glibc)
import Glibc
#endif
import SwrunLayer
import SwrunOCI
import SwrunOS
import SwrunRegistry

/// The manifest schema `push` writes.
public enum ManifestFormat: String, Sendable, CaseIterable {
    /// `application/vnd.oci.image.manifest.v1+json`.
    case oci
    /// Docker's v2 schema 2, `application/vnd.docker.distribution.manifest.v2+json`.
    case docker
}

/// What `push` did.
public struct PushResult: Sendable {
    /// The digest of the manifest the registry now holds under the tag.
    public let digest: Digest
    /// That manifest's size in bytes.
    public let size: Int64
}

extension ImageStore {
    /// `docker push`: sends `image` to `client`'s registry as `reference`. Layers
    /// kept as plain tar (committed or imported here) go out gzip-compressed; the
    /// compressed blob is kept in the store and remembered by DiffID, so the next
    /// push of the same layer compresses nothing. Blobs the registry has are skipped
    /// (HEAD); others are mounted from another repository of the same registry that
    /// the blob was pulled from or pushed to, or that this image is tagged in, where
    /// the registry allows; else uploaded.
    public func push(
        _ image: StoredImage, as reference: Reference, client: RegistryClient, uploadMode: UploadMode = .monolithic,
        format: ManifestFormat? = nil, events: @escaping @Sendable (TransferEvent) -> Void = { _ in }
    ) async throws -> PushResult {
        workArea.removeStale()
        let repository = reference.path
        let taggedIn = image.repoTags.compactMap { try? Reference(parsing: $0) }
            .filter { $0.domain == reference.domain }
            .map(\.path)
        func mountSources(_ digest: Digest) -> [String] {
            var seen = Set([repository])
            return (knownRepositories(of: digest, in: reference.domain) + taggedIn).filter { seen.insert($0).inserted }
        }
        var layers: [Descriptor] = []
        for (layer, diffID) in zip(image.manifest.layers, image.config.rootfs.diffIDs) {
            layers.append(try whilePublishing { try distributableLayer(layer, diffID: diffID) })
        }
        let stored = image.manifestDescriptor.mediaType == MediaType.dockerManifest ? ManifestFormat.docker : .oci
        // A docker manifest whose layers were plain tar gets OCI gzip layers: make it all OCI.
        let target = format ?? (layers == image.manifest.layers ? stored : .oci)
        let manifestBytes: [UInt8]
        let manifestType = target == .docker ? MediaType.dockerManifest : MediaType.ociManifest
        if layers == image.manifest.layers && target == stored {
            manifestBytes = try readBlob(image.manifestDigest)
        } else {
            var manifest = image.manifest
            manifest.mediaType = manifestType
            manifest.config.mediaType = target == .docker ? MediaType.dockerConfig : MediaType.ociConfig
            manifest.layers = try layers.map { try Self.layer($0, as: target) }
            manifestBytes = try OCIJSON.encode(manifest)
        }

        var sent = Set<Digest>()
        for layer in layers where sent.insert(layer.digest).inserted {
            try await pushBlob(
                layer, repository: repository, mountSources: mountSources(layer.digest), client: client, mode: uploadMode,
                events: events)
        }
        // The config goes last and silently, as docker shows layers only.
        let config = image.manifest.config
        try await pushBlob(config, repository: repository, mountSources: mountSources(config.digest), client: client, mode: uploadMode) { _ in }
        recordLocation(of: Array(sent) + [config.digest], registry: reference.domain, repository: repository)
        let tag = reference.digest?.string ?? reference.tag ?? "latest"
        let digest = try await client.putManifest(repository: repository, reference: tag, bytes: manifestBytes, mediaType: manifestType)
        recordImageEvent("push", id: reference.familiarName, name: reference.familiarName)
        return PushResult(digest: digest, size: Int64(manifestBytes.count))
    }

    private func pushBlob(
        _ blob: Descriptor, repository: String, mountSources: [String], client: RegistryClient, mode: UploadMode,
        events: @escaping @Sendable (TransferEvent) -> Void
    ) async throws {
        if try await client.blobExists(repository: repository, digest: blob.digest) {
            events(.layerExists(blob.digest))
            return
        }
        for source in mountSources where try await client.mountBlob(repository: repository, digest: blob.digest, from: source) {
            events(.layerMounted(blob.digest, from: source))
            return
        }
        events(.layerStarted(blob.digest, size: blob.size))
        try await client.uploadBlob(
            repository: repository, digest: blob.digest, size: blob.size, path: blobPath(blob.digest), mode: mode
        ) { bytes in
            events(.layerProgress(blob.digest, bytes: bytes, size: blob.size))
        }
        events(.layerDone(blob.digest))
    }

    /// `layer` with the media type `format` names for its compression.
    static func layer(_ layer: Descriptor, as format: ManifestFormat) throws -> Descriptor {
        var converted = layer
        switch (format, layer.mediaType) {
        case (.oci, MediaType.dockerLayerTarGzip): converted.mediaType = MediaType.ociLayerTarGzip
        case (.docker, MediaType.ociLayerTarGzip): converted.mediaType = MediaType.dockerLayerTarGzip
        case (.docker, MediaType.ociLayerTarZstd):
            throw SwrunError(.unsupported, "layer \(layer.digest.short) is zstd-compressed, which docker manifests cannot name; push it as oci")
        default: break
        }
        return converted
    }

    /// The descriptor to push for a stored layer: compressed layers as they are, a
    /// plain tar as its gzip twin (made once, then found through `compressed/`).
    func distributableLayer(_ layer: Descriptor, diffID: Digest) throws -> Descriptor {
        guard layer.mediaType == MediaType.ociLayerTar else { return layer }
        let record = compressedDirectory + "/" + diffID.hex
        if let text = try? FileIO.readString(record), let known = Self.parseCompressedRecord(text),
           FileIO.exists(blobPath(known.digest)) {
            return known
        }
        let source = open(blobPath(layer.digest), O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw SwrunError(.notFound, "layer blob \(layer.digest) is missing from the store") }
        defer { close(source) }
        let compressed = try content.ingest { staged in
            let written = try GzipCompressor.compress(inputFD: source, outputFD: staged.fd)
            guard let digest = try? Digest(parsing: written.digest) else {
                throw SwrunError(.internalError, "gzip returned an invalid digest: \(written.digest)")
            }
            try content.commit(staged, size: written.size, written: digest)
            return Descriptor(mediaType: MediaType.ociLayerTarGzip, digest: digest, size: written.size)
        }
        try FileIO.makeDirectories(compressedDirectory)
        try FileIO.writeDurably(at: record, bytes: Array("\(compressed.digest) \(compressed.size)\n".utf8))
        return compressed
    }

    /// The digest of the gzip twin `push` made of the layer with DiffID hex `hex`.
    func compressedTwin(ofLayer hex: String) -> Digest? {
        guard let text = try? FileIO.readString(compressedDirectory + "/" + hex) else { return nil }
        return Self.parseCompressedRecord(text)?.digest
    }

    /// `compressed/<diffID hex>` holds "sha256:<hex> <size>".
    static func parseCompressedRecord(_ text: String) -> Descriptor? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let digest = try? Digest(parsing: String(fields[0])), let size = Int64(fields[1]) else {
            return nil
        }
        return Descriptor(mediaType: MediaType.ociLayerTarGzip, digest: digest, size: size)
    }
}
