#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SwrunDigest
import SwrunOCI
import SwrunOS

extension RegistryClient {
    /// Attempts at one blob download: the first and up to three resumptions.
    static let maximumBlobAttempts = 4

    /// Streams the blob `descriptor` names into `fd` (an `O_RDWR` file the caller
    /// owns, replaced from offset 0 with `pwrite`; its file offset is untouched),
    /// hashing as the bytes arrive. Redirects to storage are followed. A transfer
    /// that breaks is resumed with `Range: bytes=N-` up to three times (restarted
    /// from zero if the server ignores the range). At the end the size and digest
    /// must match the descriptor, else it throws `.corrupt` naming the digest.
    /// `progress` gets the bytes held so far (it goes back to 0 on a restart).
    public func fetchBlob(
        repository: String, descriptor: Descriptor, to fd: Int32, progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws {
        let what = "blob \(descriptor.digest) from \(registry)/\(repository)"
        guard descriptor.size >= 0 else {
            throw SwrunError(.invalidArgument, "\(what): invalid size \(descriptor.size)")
        }
        try await withPullEndpoints { endpoint in
            try await fetchBlob(from: endpoint, repository: repository, descriptor: descriptor, fd: fd, progress: progress, what: what)
        }
    }

    private func fetchBlob(
        from endpoint: Endpoint, repository: String, descriptor: Descriptor, fd: Int32,
        progress: @escaping @Sendable (Int64) -> Void, what: String
    ) async throws {
        var sink = try BlobSink(fd: fd, limit: descriptor.size, what: what)
        var lastFailure: (any Error)?
        for _ in 0..<RegistryClient.maximumBlobAttempts {
            var request = RegistryRequest(
                .GET, url(endpoint, "\(repository)/blobs/\(descriptor.digest)"),
                scopes: [RegistryClient.repositoryScope(repository)])
            request.timeout = nil
            let resumeFrom = sink.written
            if resumeFrom > 0 { request.headers.add(name: "Range", value: "bytes=\(resumeFrom)-") }
            do {
                let response = try await send(request, to: endpoint, what: what)
                switch response.status.code {
                case 200:
                    if resumeFrom > 0 { try sink.restart() }
                case 206 where resumeFrom > 0:
                    guard RegistryClient.rangeStart(response.headers.first(name: "Content-Range")) == resumeFrom else {
                        try sink.restart()
                        await discard(response)
                        continue
                    }
                case 416 where resumeFrom == descriptor.size:
                    // Everything had arrived before the connection broke.
                    await discard(response)
                default:
                    throw await RegistryError.from(response, what: what)
                }
                if response.status.code != 416 {
                    for try await buffer in response.body {
                        try sink.write(buffer)
                        progress(sink.written)
                    }
                }
                if sink.written == descriptor.size { break }
                lastFailure = SwrunError(.corrupt, "\(what): transfer ended after \(sink.written) of \(descriptor.size) bytes")
            } catch let error as SwrunError {
                // A registry's answer or an overlong body: resuming would not help.
                throw error
            } catch {
                if error is CancellationError { throw error }
                lastFailure = error
            }
        }
        guard sink.written == descriptor.size else {
            throw RegistryError.transport(lastFailure ?? SwrunError(.corrupt, "\(what): incomplete"), what: what)
        }
        let actual = sink.digest()
        guard actual == descriptor.digest else {
            throw SwrunError(.corrupt, "blob \(descriptor.digest) from \(registry)/\(repository): digest mismatch (got \(actual))")
        }
    }

    /// The first byte of `bytes N-M/T`, nil if the header is absent or malformed.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, let range = header.split(separator: " ").last,
              let dash = range.firstIndex(of: "-") else { return nil }
        return Int64(range[..<dash])
    }

    /// Whether `repository` holds the blob `digest` (`HEAD`; 404 is a plain "no").
    public func blobExists(repository: String, digest: Digest) async throws -> Bool {
        let what = "blob \(digest) in \(registry)/\(repository)"
        let request = RegistryRequest(
            .HEAD, url(primary, "\(repository)/blobs/\(digest)"), scopes: [RegistryClient.repositoryScope(repository)])
        let response = try await send(request, to: primary, what: what)
        switch response.status.code {
        case 200:
            await discard(response)
            return true
        case 404:
            await discard(response)
            return false
        default:
            throw await RegistryError.from(response, what: what)
        }
    }
}

/// Where a downloading blob goes: written at increasing offsets of the caller's
/// file, hashed on the way, never past the size the descriptor promised.
struct BlobSink {
    let fd: Int32
    let limit: Int64
    let what: String
    private(set) var written: Int64 = 0
    private var hasher = DigestHasher()

    init(fd: Int32, limit: Int64, what: String) throws {
        self.fd = fd
        self.limit = limit
        self.what = what
        try restart()
    }

    /// Drops what was written: the server sent the blob from its start again.
    mutating func restart() throws {
        while ftruncate(fd, 0) != 0 {
            guard errno == EINTR else { throw SwrunError.system("\(what): truncate") }
        }
        written = 0
        hasher = DigestHasher()
    }

    /// Appends `buffer`, retrying partial writes and EINTR.
    mutating func write(_ buffer: ByteBuffer) throws {
        guard written + Int64(buffer.readableBytes) <= limit else {
            throw SwrunError(.corrupt, "\(what): registry sent more than the \(limit) bytes the descriptor gives")
        }
        try buffer.withUnsafeReadableBytes { bytes in
            hasher.update(bytes)
            var offset = 0
            while offset < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + offset, bytes.count - offset, off_t(written) + off_t(offset))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SwrunError.system("\(what): write")
                }
                offset += n
            }
        }
        written += Int64(buffer.readableBytes)
    }

    func digest() -> Digest { hasher.finalize() }
}
