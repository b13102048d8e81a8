#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SwrunOCI
import SwrunOS

/// How `uploadBlob` sends a blob.
public enum UploadMode: Hashable, Sendable {
    /// One `PUT` carrying the whole blob: fewest round trips.
    case monolithic
    /// `PATCH`es of `chunkSize` bytes then an empty `PUT`: for registries or proxies
    /// that cap the size of one request.
    case chunked(chunkSize: Int)
}

extension RegistryClient {
    /// The size of each read from the file while streaming an upload body.
    static let uploadReadSize = 1 << 20

    /// Pushes the file at `path` (`size` bytes, digest `digest`) as a blob of
    /// `repository`, streaming it from disk. `progress` gets the bytes sent so far.
    /// The registry checks the digest and refuses the blob if it differs.
    public func uploadBlob(
        repository: String, digest: Digest, size: Int64, path: String, mode: UploadMode = .monolithic,
        progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws {
        let what = "push blob \(digest) to \(registry)/\(repository)"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("\(what): open \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SwrunError.system("\(what): stat \(path)") }
        guard Int64(st.st_size) == size else {
            throw SwrunError(.invalidArgument, "\(what): \(path) has \(st.st_size) bytes, expected \(size)")
        }
        var location = try await startUpload(repository: repository, what: what)
        switch mode {
        case .monolithic:
            location = RegistryURL.appendingQuery(location, "digest", digest.string)
            var request = RegistryRequest(.PUT, location, scopes: [RegistryClient.repositoryScope(repository, push: true)])
            request.timeout = nil
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            let chunks = FileChunks(fd: fd, start: 0, end: size, chunkSize: RegistryClient.uploadReadSize, what: what, progress: progress)
            request.body = { .stream(chunks, length: .known(size)) }
            let response = try await send(request, to: primary, what: what)
            try await expect(response, [201], what: what)
            await discard(response)
        case .chunked(let chunkSize):
            guard chunkSize > 0 else { throw SwrunError(.invalidArgument, "\(what): chunk size must be positive") }
            var offset: Int64 = 0
            while offset < size {
                let end = min(size, offset + Int64(chunkSize))
                var request = RegistryRequest(.PATCH, location, scopes: [RegistryClient.repositoryScope(repository, push: true)])
                request.timeout = nil
                request.headers.add(name: "Content-Type", value: "application/octet-stream")
                request.headers.add(name: "Content-Range", value: "\(offset)-\(end - 1)")
                let chunks = FileChunks(
                    fd: fd, start: offset, end: end, chunkSize: min(chunkSize, RegistryClient.uploadReadSize),
                    what: what, progress: progress)
                let length = end - offset
                request.body = { .stream(chunks, length: .known(length)) }
                let response = try await send(request, to: primary, what: what)
                try await expect(response, [202], what: what)
                await discard(response)
                location = try nextLocation(response, after: location, what: what)
                offset = end
            }
            let request = RegistryRequest(
                .PUT, RegistryURL.appendingQuery(location, "digest", digest.string),
                scopes: [RegistryClient.repositoryScope(repository, push: true)])
            let response = try await send(request, to: primary, what: what)
            try await expect(response, [201], what: what)
            await discard(response)
        }
    }

    /// Links the blob `digest` of `sourceRepository` into `repository` without
    /// uploading it (same registry). Returns false when the registry could not mount
    /// it (it then starts an upload, which is cancelled here) and the caller must
    /// upload the blob itself.
    public func mountBlob(repository: String, digest: Digest, from sourceRepository: String) async throws -> Bool {
        let what = "mount blob \(digest) from \(registry)/\(sourceRepository) to \(registry)/\(repository)"
        var url = url(primary, "\(repository)/blobs/uploads/")
        url = RegistryURL.appendingQuery(url, "mount", digest.string)
        url = RegistryURL.appendingQuery(url, "from", sourceRepository)
        let request = RegistryRequest(.POST, url, scopes: [
            RegistryClient.repositoryScope(repository, push: true), RegistryClient.repositoryScope(sourceRepository),
        ])
        let response = try await send(request, to: primary, what: what)
        switch response.status.code {
        case 201:
            await discard(response)
            return true
        case 202:
            await discard(response)
            if let location = try? nextLocation(response, after: url, what: what) {
                // Best effort: an abandoned session is garbage-collected by the registry anyway.
                var cancel = RegistryRequest(.DELETE, location, scopes: [RegistryClient.repositoryScope(repository, push: true)])
                cancel.idempotent = false
                if let answer = try? await send(cancel, to: primary, what: what) { await discard(answer) }
            }
            return false
        default:
            throw await RegistryError.from(response, what: what)
        }
    }

    /// `POST /v2/<name>/blobs/uploads/`: opens an upload session, returns its URL.
    private func startUpload(repository: String, what: String) async throws -> String {
        let url = url(primary, "\(repository)/blobs/uploads/")
        let request = RegistryRequest(.POST, url, scopes: [RegistryClient.repositoryScope(repository, push: true)])
        let response = try await send(request, to: primary, what: what)
        try await expect(response, [202], what: what)
        await discard(response)
        return try nextLocation(response, after: url, what: what)
    }

    /// The absolute upload URL from a response's `Location`, which may be relative.
    private func nextLocation(_ response: HTTPClientResponse, after url: String, what: String) throws -> String {
        guard let location = response.headers.first(name: "Location"),
              let resolved = RegistryURL.resolve(location, against: url) else {
            throw SwrunError(.corrupt, "\(what): registry sent no upload Location")
        }
        return resolved
    }
}
