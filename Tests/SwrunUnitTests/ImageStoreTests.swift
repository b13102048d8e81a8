import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwrunImage
import SwrunDigest
import SwrunOCI
import SwrunOS

/// A fresh store root (and scratch space) under /tmp, removed at the end of the test.
private final class StoreSandbox {
    let path: String
    let root: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/swrun-store-test-" + UUID().uuidString
        root = path + "/root"
        try FileIO.makeDirectories(path)
    }

    deinit { try? FileIO.removeTree(path) }

    func store() throws -> ImageStore {
        try ImageStore(root: root)
    }

    /// A tar of a small rootfs whose files hold `content`, made by /usr/bin/tar.
    func makeTar(_ name: String, content: String = "hello\n") throws -> String {
        let tree = path + "/tree-" + name
        try FileIO.makeDirectories(tree + "/etc")
        try FileIO.makeDirectories(tree + "/bin")
        try FileIO.writeFile(tree + "/etc/hello.txt", content)
        try FileIO.writeFile(tree + "/bin/tool", "#!/bin/sh\necho \(name)\n", mode: 0o755)
        let tar = path + "/" + name + ".tar"
        try run("/usr/bin/tar", ["--numeric-owner", "-C", tree, "-cf", tar, "."])
        return tar
    }

    func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SwrunError(.system, "\(executable) \(arguments) exited \(process.terminationStatus)")
        }
    }

    /// Imports the file at `tar` into `store`.
    func importFile(
        _ tar: String, into store: ImageStore, tag: String?, changes: [String] = [], message: String? = nil
    ) throws -> StoredImage {
        let fd = open(tar, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(tar)") }
        defer { close(fd) }
        return try store.importTarball(inputFD: fd, changes: changes, message: message, tag: tag)
    }

    /// Every path below `directory`, relative, sorted (empty when it does not exist).
    func listing(_ directory: String) -> [String] {
        let url = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(atPath: url.path) else { return [] }
        return walker.compactMap { $0 as? String }.sorted()
    }
}

/// Expects `body` to throw a `SwrunError` with `code` whose message contains `text`
/// (or equals it, when `exactly`).
private func expectSwrunError(
    _ code: SwrunError.Code, _ text: String = "", exactly: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = #expect(throws: SwrunError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    if exactly {
        #expect(error.message == text, sourceLocation: sourceLocation)
    } else {
        #expect(text.isEmpty || error.message.contains(text), "\(error)", sourceLocation: sourceLocation)
    }
}

@Suite("ImageStore", .enabled(if: getuid() == 0, "extraction keeps owners: needs root"))
struct ImageStoreTests {
    @Test("init creates an empty OCI layout")
    func createsLayout() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        #expect(try FileIO.readString(store.root + "/oci-layout") == #"{"imageLayoutVersion":"1.0.0"}"#)
        let index = try JSONSerialization.jsonObject(with: Data(FileIO.readFile(store.root + "/index.json"))) as? [String: Any]
        #expect(index?["schemaVersion"] as? Int == 2)
        #expect((index?["manifests"] as? [Any])?.isEmpty == true)
        for directory in ["blobs/sha256", "layers", "tmp"] {
            var st = stat()
            #expect(lstat(store.root + "/" + directory, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR)
        }
        #expect(try store.list().isEmpty)
        _ = try sandbox.store()
    }

    @Test("import stores a one-layer image and resolves it by tag, ID and prefix")
    func importsAndResolves() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let tar = try sandbox.makeTar("a")
        let image = try sandbox.importFile(
            tar, into: store, tag: "test/hello:1", changes: [#"CMD ["/bin/tool"]"#, "ENV A=b"], message: "first")

        #expect(image.repoTags == ["test/hello:1"])
        #expect(image.config.config?.cmd == ["/bin/tool"])
        #expect(image.config.config?.env == ["A=b"])
        #expect(image.config.os == "linux")
        #expect(image.config.architecture == HostSystem.goArch)
        #expect(image.config.history?.first?.comment == "first")
        #expect(image.config.history?.first?.createdBy == "swrun import")
        #expect(image.manifest.mediaType == MediaType.ociManifest)
        #expect(image.manifest.config.mediaType == MediaType.ociConfig)
        let layer = try #require(image.manifest.layers.first)
        #expect(image.manifest.layers.count == 1)
        #expect(layer.mediaType == MediaType.ociLayerTar)
        #expect(image.config.rootfs.diffIDs == [layer.digest])
        let tarBytes = try FileIO.readFile(tar)
        #expect(layer.digest == Digest.sha256(of: tarBytes))
        #expect(layer.size == Int64(tarBytes.count))
        #expect(try FileIO.readFile(store.blobPath(layer.digest)) == tarBytes)
        #expect(try FileIO.readString(store.layerPath(layer.digest) + "/etc/hello.txt") == "hello\n")

        for name in ["test/hello:1", "docker.io/test/hello:1", image.id.string, image.id.hex, image.id.short,
                     String(image.id.hex.prefix(3)), "sha256:" + image.id.short] {
            #expect(try store.resolve(name).id == image.id, "resolve \(name)")
        }
        #expect(try store.list().map(\.id) == [image.id])
        #expect(sandbox.listing(store.tmpDirectory).isEmpty)
    }

    @Test("missing names, malformed names and IDs")
    func resolveErrors() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        _ = try sandbox.importFile(try sandbox.makeTar("a"), into: store, tag: "a")
        expectSwrunError(.notFound, "No such image: nope:latest", exactly: true) { _ = try store.resolve("nope") }
        expectSwrunError(.notFound, "No such image: a:other", exactly: true) { _ = try store.resolve("a:other") }
        let missingID = "sha256:" + String(repeating: "0", count: 64)
        expectSwrunError(.notFound, "No such image: \(missingID)", exactly: true) { _ = try store.resolve(missingID) }
        expectSwrunError(.invalidArgument, "invalid reference format") {
            _ = try store.resolve("Bad Name")
        }
    }

    @Test("an ID prefix matching two images is ambiguous")
    func ambiguousPrefix() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let diffID = Digest.sha256(of: [])
        // Configs differing in a label until two IDs share their first 3 hex digits.
        var seen: [String: ImageConfigFile] = [:]
        var pair: (ImageConfigFile, ImageConfigFile)?
        for n in 0..<10_000 where pair == nil {
            let config = ImageConfigFile(
                architecture: "amd64", config: .init(labels: ["n": String(n)]), rootfs: .init(diffIDs: [diffID]))
            let prefix = String(Digest.sha256(of: try OCIJSON.encode(config)).hex.prefix(3))
            if let other = seen[prefix] { pair = (other, config) }
            seen[prefix] = config
        }
        let (first, second) = try #require(pair)
        var ids: [Digest] = []
        for config in [first, second] {
            let configDescriptor = try store.storeBlob(OCIJSON.encode(config), mediaType: MediaType.ociConfig)
            ids.append(configDescriptor.digest)
            let manifest = ImageManifest(config: configDescriptor, layers: [])
            let manifestDescriptor = try store.storeBlob(OCIJSON.encode(manifest), mediaType: MediaType.ociManifest)
            try store.tagIndex.update { TagIndex.addUntagged(manifestDescriptor, to: &$0) }
        }
        let prefix = String(ids[0].hex.prefix(3))
        expectSwrunError(.conflict, prefix) { _ = try store.resolve(prefix) }
        #expect(try store.resolve(String(ids[1].hex.prefix(12))).id == ids[1])
        #expect(try store.list().count == 2)
        #expect(try store.list().allSatisfy { $0.repoTags.isEmpty })
    }

    @Test("tags move between images; an image losing its last tag stays untagged")
    func tagsMove() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let first = try sandbox.importFile(try sandbox.makeTar("a", content: "one"), into: store, tag: "app")
        let second = try sandbox.importFile(try sandbox.makeTar("b", content: "two"), into: store, tag: "app:latest")
        #expect(first.id != second.id)
        #expect(try store.resolve("app").id == second.id)
        #expect(try store.resolve(first.id.string).repoTags.isEmpty)
        #expect(try store.list().count == 2)

        try store.tag(first, as: "localhost:5000/team/app:v1")
        try store.tag(first, as: "app")
        let retagged = try store.resolve("app")
        #expect(retagged.id == first.id)
        #expect(Set(retagged.repoTags) == ["localhost:5000/team/app:v1", "app:latest"])
        #expect(try store.resolve(second.id.string).repoTags.isEmpty)

        let index = try store.tagIndex.read()
        #expect(index.manifests.count == 3)
        #expect(Set(index.manifests.compactMap { $0.annotations?[AnnotationKey.refName] })
            == ["localhost:5000/team/app:v1", "docker.io/library/app:latest"])

        expectSwrunError(.invalidArgument) {
            try store.tag(first, as: "app@sha256:" + first.id.hex)
        }
        expectSwrunError(.invalidArgument) { try store.tag(first, as: "UPPER") }
    }

    @Test("import without a tag leaves an untagged image")
    func untaggedImport() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let image = try sandbox.importFile(try sandbox.makeTar("a"), into: store, tag: nil)
        #expect(image.repoTags.isEmpty)
        #expect(image.config.history?.first?.comment == "Imported from -")
        #expect(try store.list().map(\.id) == [image.id])
        #expect(try store.tagIndex.read().manifests.first?.annotations == nil)
    }

    @Test("ensureUnpacked returns the layer dirs, unpacking missing ones from their blobs")
    func unpacks() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let image = try sandbox.importFile(try sandbox.makeTar("a", content: "layer"), into: store, tag: "x")
        let dirs = try store.ensureUnpacked(image)
        #expect(dirs == [store.root + "/layers/" + image.config.rootfs.diffIDs[0].hex])

        try FileIO.removeTree(dirs[0])
        let again = try store.ensureUnpacked(image)
        #expect(again == dirs)
        #expect(try FileIO.readString(dirs[0] + "/etc/hello.txt") == "layer")
        #expect(sandbox.listing(store.tmpDirectory).isEmpty)

        try FileIO.removeTree(dirs[0])
        try FileIO.writeFile(store.blobPath(image.manifest.layers[0].digest), "tampered")
        expectSwrunError(.corrupt) { _ = try store.ensureUnpacked(image) }
        #expect(!FileIO.exists(dirs[0]))
    }

    @Test("compressed layer blobs unpack too")
    func unpacksCompressedBlob() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let tar = try sandbox.makeTar("z", content: "zstd")
        try sandbox.run("/usr/bin/zstd", ["-q", tar, "-o", tar + ".zst"])
        let imported = try sandbox.importFile(tar + ".zst", into: store, tag: nil)
        let diffID = imported.config.rootfs.diffIDs[0]
        #expect(diffID == Digest.sha256(of: try FileIO.readFile(tar)))

        let blob = try FileIO.readFile(tar + ".zst")
        let layer = try store.storeBlob(blob, mediaType: MediaType.ociLayerTarZstd)
        let configDescriptor = try store.storeBlob(OCIJSON.encode(imported.config), mediaType: MediaType.ociConfig)
        let manifest = ImageManifest(config: configDescriptor, layers: [layer])
        let manifestDescriptor = try store.storeBlob(OCIJSON.encode(manifest), mediaType: MediaType.ociManifest)
        try store.tagIndex.update { TagIndex.setTag("docker.io/library/zstd:latest", to: manifestDescriptor, in: &$0) }
        try FileIO.removeTree(store.layerPath(diffID))

        let dirs = try store.ensureUnpacked(try store.resolve("zstd"))
        #expect(try FileIO.readString(dirs[0] + "/etc/hello.txt") == "zstd")
    }

    @Test("a corrupt tarball leaves the store unchanged", arguments: ["garbage", "truncated"])
    func corruptImport(kind: String) throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        _ = try sandbox.importFile(try sandbox.makeTar("ok"), into: store, tag: "ok")
        let bad = sandbox.path + "/bad.tar"
        if kind == "garbage" {
            try FileIO.writeFile(bad, String(repeating: "this is not a tar archive\n", count: 100))
        } else {
            let tree = sandbox.path + "/big"
            try FileIO.makeDirectories(tree)
            try FileIO.writeFile(tree + "/big.bin", String(repeating: "0123456789abcdef", count: 8192))
            try sandbox.run("/usr/bin/tar", ["-C", tree, "-cf", bad + ".full", "."])
            let full = try FileIO.readFile(bad + ".full")
            let fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            try FileIO.writeAll(fd, Array(full.prefix(full.count / 2)))
            close(fd)
        }
        let before = [sandbox.listing(store.root + "/blobs"), sandbox.listing(store.root + "/layers")]
        let indexBefore = try FileIO.readFile(store.tagIndex.path)

        #expect(throws: SwrunError.self) { try sandbox.importFile(bad, into: store, tag: "ok") }

        #expect([sandbox.listing(store.root + "/blobs"), sandbox.listing(store.root + "/layers")] == before)
        #expect(try FileIO.readFile(store.tagIndex.path) == indexBefore)
        #expect(sandbox.listing(store.tmpDirectory).isEmpty)
        #expect(try store.resolve("ok").repoTags == ["ok:latest"])
    }

    @Test("blob locations: newest first, per registry, bounded")
    func blobLocations() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let digest = Digest.sha256(of: Array("layer".utf8))
        store.recordLocation(of: [digest], registry: "r:5000", repository: "a")
        store.recordLocation(of: [digest], registry: "r:5000", repository: "b")
        store.recordLocation(of: [digest, digest], registry: "other:1", repository: "c")
        store.recordLocation(of: [digest], registry: "r:5000", repository: "a")
        #expect(store.knownRepositories(of: digest, in: "r:5000") == ["a", "b"])
        #expect(store.knownRepositories(of: digest, in: "other:1") == ["c"])
        #expect(store.knownRepositories(of: digest, in: "r") == [])
        for n in 0..<20 { store.recordLocation(of: [digest], registry: "r:5000", repository: "x\(n)") }
        let known = store.knownRepositories(of: digest, in: "r:5000")
        #expect(known.count == ImageStore.maximumLocations && known.first == "x19")
        store.forgetLocations(ofBlob: digest.hex)
        #expect(store.knownRepositories(of: digest, in: "r:5000").isEmpty)
    }

    @Test("stale tmp entries go, live ones stay")
    func staleTemporaries() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let stale = store.tmpDirectory + "/work-stale"
        let held = store.tmpDirectory + "/work-held"
        let fresh = store.tmpDirectory + "/work-fresh"
        for path in [stale, held, fresh] { try FileIO.makeDirectories(path + "/sub") }
        var old = [timeval(tv_sec: time(nil) - 7200, tv_usec: 0), timeval(tv_sec: time(nil) - 7200, tv_usec: 0)]
        #expect(utimes(stale, &old) == 0 && utimes(held, &old) == 0)
        let fd = open(held, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)

        store.workArea.removeStale()
        #expect(!FileIO.exists(stale))
        #expect(FileIO.exists(held))
        #expect(FileIO.exists(fresh))
    }

    @Test("default images seed from their offline tarball, once")
    func seeds() throws {
        let sandbox = try StoreSandbox()
        let fixtures = sandbox.path + "/fixtures"
        try FileIO.makeDirectories(fixtures)
        let tar = try sandbox.makeTar("busybox")
        guard rename(tar, fixtures + "/busybox.tar") == 0 else { throw SwrunError.system("rename") }

        let stores = try (0..<3).map { _ in try sandbox.store() }
        let defaults = DefaultImages(directory: fixtures)
        let results = Mutex<[Result<StoredImage, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: stores.count) { i in
            let result = Result { try defaults.resolve("busybox", in: stores[i]) }
            results.withLock { $0.append(result) }
        }
        let images = try results.withLock { $0 }.map { try $0.get() }
        #expect(Set(images.map(\.id)).count == 1)
        let image = try #require(images.first)
        #expect(image.repoTags == ["busybox:latest"])
        #expect(image.config.config?.cmd == ["sh"])
        #expect(image.config.config?.env == [DefaultImages.defaultPath])
        #expect(try stores[0].list().count == 1)
        #expect(try defaults.resolve("docker.io/library/busybox:latest", in: stores[0]).id == image.id)

        let other = try StoreSandbox()
        let otherImage = try defaults.resolve("busybox:latest", in: other.store())
        #expect(otherImage.id == image.id, "seeding is deterministic")

        expectSwrunError(.notFound, "scripts/swrun") {
            _ = try defaults.resolve("debian", in: stores[0])
        }
        expectSwrunError(.notFound, "No such image: foo:latest", exactly: true) {
            _ = try defaults.resolve("foo", in: stores[0])
        }
        expectSwrunError(.notFound, "No such image: busybox:1.0", exactly: true) { _ = try stores[0].resolve("busybox:1.0") }
    }

    @Test("skopeo reads the store as an OCI layout", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/skopeo")))
    func skopeoReadsLayout() throws {
        let sandbox = try StoreSandbox()
        let store = try sandbox.store()
        let image = try sandbox.importFile(
            try sandbox.makeTar("s"), into: store, tag: "localhost:5000/s:v1", changes: ["CMD [\"/bin/tool\"]"])
        let output = sandbox.path + "/inspect.json"
        try sandbox.run("/bin/sh", ["-c", "skopeo inspect oci:\(store.root):localhost:5000/s:v1 > \(output)"])
        let inspect = try JSONSerialization.jsonObject(with: Data(FileIO.readFile(output))) as? [String: Any]
        #expect(inspect?["Digest"] as? String == image.manifestDigest.string)
        #expect(inspect?["Layers"] as? [String] == [image.manifest.layers[0].digest.string])
        #expect(inspect?["Architecture"] as? String == image.config.architecture)
    }
}
