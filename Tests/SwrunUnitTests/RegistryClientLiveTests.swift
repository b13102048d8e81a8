import Foundation
import Testing
import SwrunDigest
@testable import SwrunOCI
@testable import SwrunOS
@testable import SwrunRegistry

/// A real CNCF distribution registry (Debian's `docker-registry`) on a free loopback
/// port, with its own storage and optional htpasswd auth; stopped by `stop()`.
final class LiveRegistry: @unchecked Sendable {
    static let binary = "/usr/bin/docker-registry"
    let directory: String
    let port: Int
    private let process = Process()

    var host: String { "127.0.0.1:\(port)" }

    init(username: String? = nil, password: String? = nil) async throws {
        guard FileManager.default.isExecutableFile(atPath: LiveRegistry.binary) else {
            throw SwrunError(.notFound, "\(LiveRegistry.binary) missing: apt-get install -y docker-registry apache2-utils")
        }
        directory = FileManager.default.temporaryDirectory.path + "/swrun-registry-\(UUID().uuidString)"
        try FileIO.makeDirectories(directory + "/storage")
        port = try LiveRegistry.freePort()
        var config = """
        version: 0.1
        log: {level: error}
        storage: {filesystem: {rootdirectory: \(directory)/storage}, delete: {enabled: true}}
        http: {addr: 127.0.0.1:\(port)}

        """
        if let username, let password {
            let line = try LiveRegistry.run("/usr/bin/htpasswd", ["-Bbn", username, password])
            try FileIO.writeFile(directory + "/htpasswd", line)
            config += "auth: {htpasswd: {realm: test, path: \(directory)/htpasswd}}\n"
        }
        try FileIO.writeFile(directory + "/config.yml", config)
        process.executableURL = URL(fileURLWithPath: LiveRegistry.binary)
        process.arguments = ["serve", directory + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await waitUntilServing()
    }

    /// Waits (up to 10 s) for the port to accept connections, then for `GET /v2/` to
    /// answer (any HTTP answer will do, 401 included).
    private func waitUntilServing() async throws {
        var listening = false
        for _ in 0..<200 where process.isRunning {
            if LiveRegistry.accepts(port: port) {
                listening = true
                break
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let client = RegistryClient(registry: host)
        let answered = listening ? (try? await client.ping()) != nil : false
        await client.shutdown()
        guard answered else {
            stop()
            throw SwrunError(.system, "registry on \(host) did not start")
        }
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// SIGKILL: the test runner's children may inherit SIGTERM blocked.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileIO.removeTree(directory)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SwrunError.system("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SwrunError.system("bind") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw SwrunError.system("getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SwrunError(.system, "\(executable) failed") }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Blob content on disk for uploads, plus its descriptor.
struct TestBlob {
    let path: String
    let bytes: [UInt8]
    let descriptor: Descriptor

    init(directory: String, name: String, bytes: [UInt8], mediaType: String = MediaType.ociLayerTarGzip) throws {
        path = directory + "/" + name
        self.bytes = bytes
        try FileIO.writeFile(path, bytes: bytes)
        descriptor = Descriptor(mediaType: mediaType, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
    }
}

@Suite("Registry client against a live registry", .serialized)
struct RegistryClientLiveTests {
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Fetches `descriptor` into a new file and returns its bytes.
    static func fetch(_ client: RegistryClient, _ repository: String, _ descriptor: Descriptor, into directory: String) async throws -> [UInt8] {
        let path = directory + "/fetched-\(UUID().uuidString)"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        try await client.fetchBlob(repository: repository, descriptor: descriptor, to: fd)
        return try FileIO.readFile(path)
    }

    @Test func pushAndPullBlobsManifestsCatalogAndTags() async throws {
        let registry = try await LiveRegistry()
        defer { registry.stop() }
        let client = RegistryClient(registry: registry.host)
        do {
            let layer = try TestBlob(directory: registry.directory, name: "layer", bytes: Self.randomBytes(3 * 1024 * 1024 + 17))
            let chunkedLayer = try TestBlob(directory: registry.directory, name: "chunked", bytes: Self.randomBytes(2 * 1024 * 1024 + 5))
            let config = try TestBlob(
                directory: registry.directory, name: "config",
                bytes: Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8),
                mediaType: MediaType.ociConfig)

            #expect(try await !client.blobExists(repository: "test/app", digest: layer.descriptor.digest))
            let progress = ProgressRecorder()
            try await client.uploadBlob(
                repository: "test/app", digest: layer.descriptor.digest, size: layer.descriptor.size, path: layer.path,
                progress: { progress.record($0) })
            #expect(progress.last == layer.descriptor.size)
            try await client.uploadBlob(
                repository: "test/app", digest: chunkedLayer.descriptor.digest, size: chunkedLayer.descriptor.size,
                path: chunkedLayer.path, mode: .chunked(chunkSize: 1024 * 1024))
            try await client.uploadBlob(
                repository: "test/app", digest: config.descriptor.digest, size: config.descriptor.size, path: config.path)
            #expect(try await client.blobExists(repository: "test/app", digest: layer.descriptor.digest))
            #expect(try await client.blobExists(repository: "test/app", digest: chunkedLayer.descriptor.digest))

            #expect(try await Self.fetch(client, "test/app", layer.descriptor, into: registry.directory) == layer.bytes)
            #expect(try await Self.fetch(client, "test/app", chunkedLayer.descriptor, into: registry.directory) == chunkedLayer.bytes)

            // Mounting across repositories, and a mount the registry cannot do.
            #expect(try await client.mountBlob(repository: "test/other", digest: layer.descriptor.digest, from: "test/app"))
            #expect(try await client.blobExists(repository: "test/other", digest: layer.descriptor.digest))
            #expect(try await !client.mountBlob(repository: "test/other", digest: chunkedLayer.descriptor.digest, from: "nope/missing"))
            #expect(try await !client.blobExists(repository: "test/other", digest: chunkedLayer.descriptor.digest))

            let manifest = ImageManifest(config: config.descriptor, layers: [layer.descriptor, chunkedLayer.descriptor])
            let manifestBytes = try OCIJSON.encode(manifest)
            let pushed = try await client.putManifest(
                repository: "test/app", reference: "v1", bytes: manifestBytes, mediaType: MediaType.ociManifest)
            #expect(pushed == Digest.sha256(of: manifestBytes))

            let byTag = try await client.manifest(repository: "test/app", reference: "v1")
            #expect(byTag.bytes == manifestBytes)
            #expect(byTag.mediaType == MediaType.ociManifest)
            #expect(byTag.digest == pushed)
            let byDigest = try await client.manifest(repository: "test/app", reference: pushed.string)
            #expect(byDigest.bytes == manifestBytes)

            _ = try await client.putManifest(repository: "test/app", reference: "v2", bytes: manifestBytes, mediaType: MediaType.ociManifest)
            #expect(try await client.mountBlob(repository: "test/other", digest: config.descriptor.digest, from: "test/app"))
            let small = try OCIJSON.encode(ImageManifest(config: config.descriptor, layers: []))
            _ = try await client.putManifest(repository: "test/other", reference: "latest", bytes: small, mediaType: MediaType.ociManifest)
            #expect(try await client.tags(repository: "test/app").sorted() == ["v1", "v2"])
            #expect(try await client.catalog() == ["test/app", "test/other"])
            #expect(try await client.catalog(limit: nil, pageSize: 1) == ["test/app", "test/other"])
            #expect(try await client.catalog(limit: 1) == ["test/app"])

            let missing = await #expect(throws: SwrunError.self) {
                try await client.manifest(repository: "test/app", reference: "nope")
            }
            #expect(missing?.code == .notFound)
            #expect(missing?.message == "manifest \(registry.host)/test/app:nope: manifest unknown: manifest unknown (HTTP 404)")
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    @Test func fetchWithWrongDigestOrSizeIsCorrupt() async throws {
        let registry = try await LiveRegistry()
        defer { registry.stop() }
        let client = RegistryClient(registry: registry.host)
        do {
            let blob = try TestBlob(directory: registry.directory, name: "blob", bytes: Self.randomBytes(100_000))
            let other = try TestBlob(directory: registry.directory, name: "other", bytes: Self.randomBytes(100_000))
            try await client.uploadBlob(repository: "x/y", digest: blob.descriptor.digest, size: blob.descriptor.size, path: blob.path)
            try await client.uploadBlob(repository: "x/y", digest: other.descriptor.digest, size: other.descriptor.size, path: other.path)

            let unknown = Descriptor(
                mediaType: blob.descriptor.mediaType, digest: try Digest(sha256Hex: String(repeating: "0", count: 64)),
                size: blob.descriptor.size)
            let notThere = await #expect(throws: SwrunError.self) {
                _ = try await Self.fetch(client, "x/y", unknown, into: registry.directory)
            }
            #expect(notThere?.code == .notFound)
            #expect(notThere?.message.contains("blob unknown") == true)

            // Rot the stored copy (same size, other bytes): the registry serves it as is.
            let hex = blob.descriptor.digest.hex
            let stored = "\(registry.directory)/storage/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
            try FileIO.writeFile(stored, bytes: other.bytes)
            let mismatch = await #expect(throws: SwrunError.self) {
                _ = try await Self.fetch(client, "x/y", blob.descriptor, into: registry.directory)
            }
            #expect(mismatch?.code == .corrupt)
            #expect(mismatch?.message == "blob \(blob.descriptor.digest) from \(registry.host)/x/y: digest mismatch (got \(other.descriptor.digest))")

            var tooSmall = other.descriptor
            tooSmall.size -= 1
            let overlong = await #expect(throws: SwrunError.self) {
                _ = try await Self.fetch(client, "x/y", tooSmall, into: registry.directory)
            }
            #expect(overlong?.code == .corrupt)
            #expect(overlong?.message.contains("more than the 99999 bytes") == true)

            let wrongUpload = await #expect(throws: SwrunError.self) {
                try await client.uploadBlob(repository: "x/y", digest: blob.descriptor.digest, size: other.descriptor.size, path: other.path)
            }
            #expect(wrongUpload?.message.contains("digest invalid") == true)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    @Test func basicAuthRightAndWrong() async throws {
        let registry = try await LiveRegistry(username: "user", password: "pass")
        defer { registry.stop() }
        let good = RegistryClient(registry: registry.host, credentials: Credentials(username: "user", password: "pass"))
        let bad = RegistryClient(registry: registry.host, credentials: Credentials(username: "user", password: "wrong"))
        let anonymous = RegistryClient(registry: registry.host)
        do {
            try await good.ping()
            let blob = try TestBlob(directory: registry.directory, name: "b", bytes: Self.randomBytes(1000))
            try await good.uploadBlob(repository: "auth/app", digest: blob.descriptor.digest, size: blob.descriptor.size, path: blob.path)
            #expect(try await Self.fetch(good, "auth/app", blob.descriptor, into: registry.directory) == blob.bytes)

            let refused = await #expect(throws: SwrunError.self) { try await bad.ping() }
            #expect(refused?.message.contains("unauthorized") == true)
            #expect(refused?.message.hasPrefix("ping \(registry.host): unauthorized") == true)
            let pull = await #expect(throws: SwrunError.self) {
                try await anonymous.manifest(repository: "auth/app", reference: "latest")
            }
            #expect(pull?.message == "manifest \(registry.host)/auth/app:latest: unauthorized: authentication required (HTTP 401)")
            let exists = await #expect(throws: SwrunError.self) {
                try await bad.blobExists(repository: "auth/app", digest: blob.descriptor.digest)
            }
            #expect(exists?.message.contains("unauthorized") == true)
        } catch {
            await good.shutdown()
            await bad.shutdown()
            await anonymous.shutdown()
            throw error
        }
        await good.shutdown()
        await bad.shutdown()
        await anonymous.shutdown()
    }

    /// Runs on a thread of its own, as the CLI's main thread would: blocking a thread
    /// of the concurrency pool is what `runBlocking` warns against.
    @Test func runBlockingBridgesToSynchronousCode() async throws {
        let results = await withCheckedContinuation { (continuation: CheckedContinuation<(Int?, String?), Never>) in
            let thread = Thread {
                let value = try? runBlocking { () async throws -> Int in
                    try await Task.sleep(nanoseconds: 1_000_000)
                    return 42
                }
                var message: String?
                do {
                    _ = try runBlocking { () async throws -> Int in throw SwrunError(.notFound, "nothing here") }
                } catch {
                    message = "\(error)"
                }
                continuation.resume(returning: (value, message))
            }
            thread.start()
        }
        #expect(results.0 == 42)
        #expect(results.1 == "nothing here")
    }

    @Test func unreachableRegistryIsAOneLineError() async throws {
        let port = try LiveRegistry.freePort()
        let client = RegistryClient(registry: "127.0.0.1:\(port)")
        let error = await #expect(throws: SwrunError.self) {
            try await client.tags(repository: "a/b")
        }
        await client.shutdown()
        #expect(error?.message.hasPrefix("tags 127.0.0.1:\(port)/a/b: ") == true)
        #expect(error?.message.contains("\n") == false)
        #expect(error?.message.contains("refused") == true, "\(error?.message ?? "")")
    }
}

/// Collects progress reports from the upload's task.
final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64] = []

    func record(_ value: Int64) {
        lock.lock()
        values.append(value)
        lock.unlock()
    }

    var last: Int64? {
        lock.lock()
        defer { lock.unlock() }
        return values.last
    }
}
