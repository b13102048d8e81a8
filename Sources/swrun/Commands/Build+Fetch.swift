import AsyncHTTPClient
import Glibc
import NIOCore
import SwrunOS
import SwrunRegistry

/// `ADD <url>`: a GET with the registry code's HTTP client (AsyncHTTPClient), the body
/// streamed to a file.
extension Build {
    /// Connecting is bounded, and so is each wait for more of the body; redirects are
    /// followed as Go's client does (at most 10).
    static let fetchConfiguration = HTTPClient.Configuration(
        redirectConfiguration: .follow(max: 10, allowCycles: false),
        timeout: .init(connect: .seconds(30), read: .seconds(60)),
        decompression: .disabled)

    /// Fetches `url` into the new file `path` (mode 0600); the Last-Modified header, if any.
    static func fetch(_ url: String, to path: String) throws -> String? {
        try runBlocking {
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: fetchConfiguration)
            do {
                let lastModified = try await download(url, to: path, with: client)
                try? await client.shutdown()
                return lastModified
            } catch {
                try? await client.shutdown()
                if let failure = error as? SwrunError { throw failure }
                throw SwrunError(.system, "failed to fetch \(url): \(error)")
            }
        }
    }

    private static func download(_ url: String, to path: String, with client: HTTPClient) async throws -> String? {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .hours(1))
        guard (200..<300).contains(response.status.code) else {
            throw SwrunError(.system, "failed to fetch \(url): invalid response status \(response.status.code)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        // Whatever the umask: docker's mode for a fetched file.
        guard fchmod(fd, 0o600) == 0 else { throw SwrunError.system("chmod \(path)") }
        for try await buffer in response.body {
            try buffer.withUnsafeReadableBytes { try FileIO.writeAll(fd, $0, step: "write \(path)") }
        }
        return response.headers.first(name: "last-modified")
    }
}
