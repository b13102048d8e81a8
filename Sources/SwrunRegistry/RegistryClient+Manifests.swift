import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SwrunDigest
import SwrunOCI
import SwrunOS

extension RegistryClient {
    /// Manifests larger than this are refused, as containerd and the distribution
    /// spec's guidance do: a manifest is JSON read whole into memory.
    public static let maximumManifestSize = 4 * 1024 * 1024

    /// The media types a pull accepts, single-image and multi-platform, OCI and Docker.
    static let manifestAccept = [
        MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList,
    ].joined(separator: ", ")

    /// Fetches the manifest (or index) `reference` (a tag or `sha256:…`) of
    /// `repository` (`library/busybox`), exactly as stored: `digest` is the sha256 of
    /// those bytes, and when `reference` is a digest the bytes are checked against it.
    public func manifest(repository: String, reference: String) async throws -> (bytes: [UInt8], mediaType: String, digest: Digest) {
        let what = "manifest \(registry)/\(repository)\(reference.hasPrefix("sha256:") ? "@" : ":")\(reference)"
        let expected: Digest? = reference.contains(":") ? try digest(reference, what: what) : nil
        return try await withPullEndpoints { endpoint in
            var request = RegistryRequest(
                .GET, url(endpoint, "\(repository)/manifests/\(reference)"),
                scopes: [RegistryClient.repositoryScope(repository)])
            request.headers.add(name: "Accept", value: RegistryClient.manifestAccept)
            let response = try await send(request, to: endpoint, what: what)
            try await expect(response, [200], what: what)
            let bytes = try await collect(response, limit: RegistryClient.maximumManifestSize, what: what)
            let actual = Digest.sha256(of: bytes)
            if let expected, actual != expected {
                throw SwrunError(.corrupt, "\(what): digest mismatch (got \(actual))")
            }
            if let header = response.headers.first(name: "Docker-Content-Digest"),
               let claimed = try? Digest(parsing: header), claimed != actual {
                throw SwrunError(.corrupt, "\(what): digest mismatch (registry says \(claimed), content is \(actual))")
            }
            let mediaType = RegistryClient.mediaType(contentType: response.headers.first(name: "Content-Type"), bytes: bytes)
            return (bytes, mediaType, actual)
        }
    }

    /// Uploads a manifest under `reference` (a tag or its digest) and returns its
    /// digest, as the registry reports it (or the sha256 of `bytes`). Blobs it names
    /// must be pushed first.
    public func putManifest(repository: String, reference: String, bytes: [UInt8], mediaType: String) async throws -> Digest {
        let what = "push manifest \(registry)/\(repository)\(reference.hasPrefix("sha256:") ? "@" : ":")\(reference)"
        guard bytes.count <= RegistryClient.maximumManifestSize else {
            throw SwrunError(.invalidArgument, "\(what): manifest of \(bytes.count) bytes exceeds the limit of \(RegistryClient.maximumManifestSize)")
        }
        var request = RegistryRequest(
            .PUT, url(primary, "\(repository)/manifests/\(reference)"),
            scopes: [RegistryClient.repositoryScope(repository, push: true)])
        // A manifest PUT replaces the tag with the same content each time: safe to retry.
        request.idempotent = true
        request.headers.add(name: "Content-Type", value: mediaType)
        let buffer = ByteBuffer(bytes: bytes)
        request.body = { .bytes(buffer) }
        let response = try await send(request, to: primary, what: what)
        try await expect(response, [200, 201], what: what)
        await discard(response)
        if let header = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: header) {
            return digest
        }
        return Digest.sha256(of: bytes)
    }

    /// The media type from `Content-Type` (parameters dropped), else the document's
    /// own `mediaType` field: some registries answer `application/json`.
    static func mediaType(contentType: String?, bytes: [UInt8]) -> String {
        let header = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if !header.isEmpty, header != "application/json", header != "application/octet-stream", header != "text/plain" {
            return header
        }
        struct Probe: Decodable {
            var mediaType: String?
            var manifests: [Descriptor]?
        }
        if let probe = try? OCIJSON.decode(Probe.self, from: bytes, what: "manifest") {
            if let mediaType = probe.mediaType { return mediaType }
            return probe.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest
        }
        return header
    }

    /// A digest reference, or an error naming what it was for.
    func digest(_ text: String, what: String) throws -> Digest {
        do {
            return try Digest(parsing: text)
        } catch {
            throw SwrunError(.invalidArgument, "\(what): invalid digest \(text)")
        }
    }
}
