#if canImport(Glibc)
import Glibc
#endif
import SwrunLayer
import SwrunOCI
import SwrunOS
import SwrunRegistry

/// What `pull` did.
public struct PullResult: Sendable {
    /// The image now in the store.
    public let image: StoredImage
    /// The digest of what the reference named on the registry (the index for a
    /// multi-platform image), as docker prints it after "Digest:".
    public let digest: Digest
    /// Whether the store already had the image under this name.
    public let upToDate: Bool
}

extension ImageStore {
    /// At most this many layers download (and unpack) at once: enough to fill a link
    /// while one layer is being unpacked, few enough not to thrash a small disk.
    static let parallelLayerTransfers = 3

    /// `docker pull`: fetches `reference` from `client`'s registry (the host's
    /// platform of a multi-platform image), skipping layers the store has. Each layer
    /// streams to `tmp/`, its digest and size checked while it arrives, is unpacked
    /// with its DiffID checked against the config, and only when every layer has
    /// passed are blobs, unpacked layers and finally the tag put in place. Any
    /// mismatch or failure leaves the store as it was.
    public func pull(
        _ reference: Reference, client: RegistryClient, platform: PlatformChoice = .host,
        events: @escaping @Sendable (TransferEvent) -> Void = { _ in }
    ) async throws -> PullResult {
        workArea.removeStale()
        let repository = reference.path
        let named = reference.digest?.string ?? reference.tag ?? "latest"
        var (bytes, mediaType, digest) = try await client.manifest(repository: repository, reference: named)
        let requested = digest
        if MediaType.isIndex(mediaType) {
            let chosen = try RegistryClient.selectPlatform(
                index: bytes, os: platform.os, architecture: platform.architecture, variant: platform.variant)
            (bytes, mediaType, digest) = try await client.manifest(repository: repository, reference: chosen.digest.string)
        }
        guard MediaType.isManifest(mediaType) else {
            throw SwrunError(.unsupported, "\(reference.familiarName): unsupported manifest type \(mediaType)")
        }
        let manifest = try OCIJSON.decode(ImageManifest.self, from: bytes, what: "manifest \(digest)")
        let manifestDescriptor = Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))

        if let existing = try? resolve(reference.fullName), existing.manifestDigest == digest {
            recordImageEvent("pull", id: reference.familiarName, name: reference.familiarName)
            return PullResult(image: existing, digest: requested, upToDate: true)
        }

        // From the first "already there" check to the tag: see `collectionLockPath`.
        return try await whilePublishing { try await workArea.withDirectory { work in
            let config = try await fetchConfig(manifest.config, repository: repository, client: client)
            guard config.file.rootfs.diffIDs.count == manifest.layers.count else {
                throw SwrunError(.corrupt, "\(reference.familiarName): the manifest has \(manifest.layers.count) layers but the config \(config.file.rootfs.diffIDs.count) diff_ids")
            }
            for layer in manifest.layers where !MediaType.isLayer(layer.mediaType) {
                throw SwrunError(.unsupported, "layer \(layer.digest.short): unsupported media type \(layer.mediaType)")
            }
            let fetched = try await fetchLayers(
                manifest.layers, diffIDs: config.file.rootfs.diffIDs, repository: repository, client: client,
                work: work, events: events)

            // Everything checked out: publish blobs, then unpacked layers, then the tag.
            // The registry client checked each digest and size as the bytes arrived.
            if let staged = config.staged {
                try content.commit(staged, expected: manifest.config.digest, size: manifest.config.size, written: manifest.config.digest)
            }
            for layer in fetched {
                try content.commit(layer.blob, expected: layer.digest, size: layer.size, written: layer.digest)
            }
            for layer in fetched { try layerStore.adopt(layer.unpacked, diffID: layer.diffID) }
            _ = try storeBlob(bytes, mediaType: mediaType)
            let stored = try tagIndex.update { index in
                if reference.digest == nil {
                    TagIndex.setTag(reference.fullName, to: manifestDescriptor, in: &index)
                } else {
                    TagIndex.addRepoDigest(reference.fullName, to: manifestDescriptor, in: &index)
                }
                return try image(for: manifestDescriptor, in: index)
            }
            recordLocation(
                of: manifest.layers.map(\.digest) + [manifest.config.digest], registry: reference.domain, repository: repository)
            recordImageEvent("pull", id: reference.familiarName, name: reference.familiarName)
            return PullResult(image: stored, digest: requested, upToDate: false)
        } }
    }

    /// The image config: from the store if it is there, else fetched into an ingest
    /// (`staged`) that `pull` commits once the layers have checked out.
    private func fetchConfig(
        _ descriptor: Descriptor, repository: String, client: RegistryClient
    ) async throws -> (file: ImageConfigFile, staged: StagedFile?) {
        if FileIO.exists(blobPath(descriptor.digest)) {
            let bytes = try readBlob(descriptor.digest)
            return (try decodeConfig(bytes, descriptor.digest), nil)
        }
        guard descriptor.size <= 16 << 20 else {
            throw SwrunError(.corrupt, "config \(descriptor.digest.short) claims \(descriptor.size) bytes")
        }
        let staged = try content.beginIngest()
        try await client.fetchBlob(repository: repository, descriptor: descriptor, to: staged.fd)
        return (try decodeConfig(FileIO.readFile(staged.temporaryPath), descriptor.digest), staged)
    }

    private func decodeConfig(_ bytes: [UInt8], _ digest: Digest) throws -> ImageConfigFile {
        try OCIJSON.decode(ImageConfigFile.self, from: bytes, what: "config \(digest)")
    }

    /// A layer downloaded into an ingest and unpacked under `tmp/`, not yet in the store.
    private struct FetchedLayer: Sendable {
        let digest: Digest
        let size: Int64
        let diffID: Digest
        let blob: StagedFile
        let unpacked: String
    }

    /// Downloads and unpacks the layers the store lacks, a few at a time.
    private func fetchLayers(
        _ layers: [Descriptor], diffIDs: [Digest], repository: String, client: RegistryClient, work: String,
        events: @escaping @Sendable (TransferEvent) -> Void
    ) async throws -> [FetchedLayer] {
        var missing: [(Descriptor, Digest)] = []
        var seen = Set<Digest>()
        for (layer, diffID) in zip(layers, diffIDs) where seen.insert(layer.digest).inserted {
            if FileIO.exists(blobPath(layer.digest)) {
                events(.layerExists(layer.digest))
            } else {
                missing.append((layer, diffID))
            }
        }
        return try await withThrowingTaskGroup(of: FetchedLayer.self) { group in
            var fetched: [FetchedLayer] = []
            var next = 0
            func startNext() {
                let (layer, diffID) = missing[next]
                next += 1
                group.addTask {
                    try await self.fetchLayer(layer, diffID: diffID, repository: repository, client: client, work: work, events: events)
                }
            }
            while next < min(missing.count, Self.parallelLayerTransfers) { startNext() }
            while let layer = try await group.next() {
                fetched.append(layer)
                if next < missing.count { startNext() }
            }
            return fetched
        }
    }

    /// One layer: streamed to an ingest (digest and size checked by the client), then
    /// unpacked to `work/<hex>` with its DiffID checked. An ingest dropped on failure
    /// removes itself.
    private func fetchLayer(
        _ layer: Descriptor, diffID: Digest, repository: String, client: RegistryClient, work: String,
        events: @escaping @Sendable (TransferEvent) -> Void
    ) async throws -> FetchedLayer {
        let blob = try content.beginIngest()
        let fd = blob.fd
        let unpacked = work + "/" + layer.digest.hex
        events(.layerStarted(layer.digest, size: layer.size))
        try await client.fetchBlob(repository: repository, descriptor: layer, to: fd) { bytes in
            events(.layerProgress(layer.digest, bytes: bytes, size: layer.size))
        }
        events(.layerExtracting(layer.digest))
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SwrunError.system("lseek \(blob.temporaryPath)") }
        guard mkdir(unpacked, 0o755) == 0 else { throw SwrunError.system("mkdir \(unpacked)") }
        let digests: LayerDigests
        do {
            digests = try LayerExtractor.extract(inputFD: fd, destination: unpacked, teeFD: nil)
        } catch let error as SwrunError {
            throw SwrunError(.corrupt, "layer \(layer.digest.short): \(error.message)")
        }
        guard digests.diffID == diffID.string else {
            throw SwrunError(.corrupt, "layer \(layer.digest.short) has DiffID \(digests.diffID), the config says \(diffID)")
        }
        events(.layerDone(layer.digest))
        return FetchedLayer(digest: layer.digest, size: layer.size, diffID: diffID, blob: blob, unpacked: unpacked)
    }
}
