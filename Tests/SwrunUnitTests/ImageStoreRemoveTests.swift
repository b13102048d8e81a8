import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwrunImage
import SwrunOCI
import SwrunOS

/// A fresh store under /tmp with small tars to import, removed at the end of the test.
private final class RemoveSandbox {
    let path: String
    let store: ImageStore

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/swrun-remove-test-" + UUID().uuidString
        try FileIO.makeDirectories(path)
        store = try ImageStore(root: path + "/root")
    }

    deinit { try? FileIO.removeTree(path) }

    /// Imports a one-file rootfs holding `content`, tagged `tag` (or untagged).
    @discardableResult
    func importImage(_ name: String, content: String, tag: String?, changes: [String] = []) throws -> StoredImage {
        let tree = path + "/tree-" + name
        try FileIO.makeDirectories(tree + "/etc")
        try FileIO.writeFile(tree + "/etc/content.txt", content)
        let tar = path + "/" + name + ".tar"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        process.arguments = ["--numeric-owner", "-C", tree, "-cf", tar, "."]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return try importAgain(name, tag: tag, changes: changes)
    }

    /// Imports the tar `importImage(name, …)` made once more: a tar made anew a second
    /// later would differ in its mtimes, so only the same tar gives the same layer.
    func importAgain(_ name: String, tag: String?, changes: [String] = []) throws -> StoredImage {
        let tar = path + "/" + name + ".tar"
        let fd = open(tar, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(tar)") }
        defer { close(fd) }
        return try store.importTarball(inputFD: fd, changes: changes, message: nil, tag: tag)
    }

    func blobs() -> Set<String> { entries(store.root + "/blobs/sha256") }
    func layers() -> Set<String> { entries(store.root + "/layers") }

    private func entries(_ directory: String) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") })
    }
}

/// The blobs an image is made of: manifest, config and layers.
private func blobs(of image: StoredImage) -> Set<String> {
    Set([image.manifestDigest.hex, image.id.hex] + image.manifest.layers.map(\.digest.hex))
}

private func noUser(_ id: Digest) -> ImageUser? { nil }

/// Whether a thread of this process is blocked in flock(2) on the file at `path`: a
/// waiter's line in /proc/locks ("2: -> FLOCK  ADVISORY  WRITE <pid> <dev>:<inode> 0 EOF").
private func waitsForFlock(on path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
    return locks.split(separator: "\n").contains { line in
        let fields = line.split(separator: " ")
        return fields.count >= 7 && fields[1] == "->" && fields[2] == "FLOCK"
            && fields[5] == "\(getpid())" && fields[6].hasSuffix(":\(info.st_ino)")
    }
}

@Suite("ImageStore: tag, untag, delete and garbage collection", .enabled(if: getuid() == 0, "extraction keeps owners: needs root"))
struct ImageStoreRemoveTests {
    @Test("garbage collection waits for a publisher holding the collection lock, then keeps what it published")
    func collectionWaitsForPublishers() throws {
        let sandbox = try RemoveSandbox()
        let doomed = try sandbox.importImage("d", content: "shared\n", tag: "doomed:1")
        // A publisher (another process in real life) is between publishing a blob and
        // naming it in the index: it holds the collection lock shared.
        let publisher = open(sandbox.store.collectionLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(publisher >= 0 && flock(publisher, LOCK_SH) == 0)
        let finished = Mutex<Bool>(false)
        let store = sandbox.store
        let removal = Thread {
            _ = try? store.removeImage("doomed:1", force: false, user: noUser)
            finished.withLock { $0 = true }
        }
        removal.start()
        let deadline = Date().addingTimeInterval(10)
        while !waitsForFlock(on: store.collectionLockPath), !finished.withLock({ $0 }), Date() < deadline { usleep(10_000) }
        #expect(waitsForFlock(on: store.collectionLockPath), "rmi waits for the collection lock")
        #expect(finished.withLock { $0 } == false, "rmi must wait for the publisher")
        // Still waiting: the publisher names the same layer (the same tar) under a new tag.
        let kept = try sandbox.importAgain("d", tag: "kept:1")
        #expect(kept.config.rootfs.diffIDs == doomed.config.rootfs.diffIDs)
        close(publisher)
        for _ in 0..<200 where !finished.withLock({ $0 }) { usleep(10_000) }
        #expect(finished.withLock { $0 })
        #expect(throws: (any Error).self) { try sandbox.store.resolve("doomed:1") }
        // The shared layer is still there for the image that names it.
        for layer in kept.manifest.layers { #expect(sandbox.blobs().contains(layer.digest.hex)) }
        #expect(try sandbox.store.ensureUnpacked(sandbox.store.resolve("kept:1")).count == 1)
    }

    @Test("removing one of several tags only untags")
    func untagsOneOfSeveral() throws {
        let sandbox = try RemoveSandbox()
        let image = try sandbox.importImage("a", content: "a\n", tag: "app:1")
        try sandbox.store.tag(image, as: "app:2")
        #expect(try sandbox.store.resolve("app:2").id == image.id)
        let before = sandbox.blobs()

        let removal = try sandbox.store.removeImage("app:1", force: false, user: noUser)
        #expect(removal.untagged == ["app:1"])
        #expect(removal.deleted.isEmpty)
        #expect(try sandbox.store.list().map(\.repoTags) == [["app:2"]])
        #expect(sandbox.blobs() == before)
        #expect(throws: SwrunError.self) { try sandbox.store.resolve("app:1") }
    }

    @Test("removing the last tag deletes the image, its blobs and its unpacked layer")
    func deletesWithLastTag() throws {
        let sandbox = try RemoveSandbox()
        let image = try sandbox.importImage("a", content: "a\n", tag: "app:1")
        let layer = try #require(image.config.rootfs.diffIDs.first)
        #expect(sandbox.layers() == [layer.hex])

        let removal = try sandbox.store.removeImage("app:1", force: false, user: noUser)
        #expect(removal.untagged == ["app:1"])
        #expect(removal.deleted == [image.id, layer])
        #expect(removal.reclaimedBytes > 0)
        #expect(try sandbox.store.list().isEmpty)
        #expect(sandbox.blobs().isEmpty)
        #expect(sandbox.layers().isEmpty)
    }

    @Test("a layer another image still uses is kept")
    func keepsSharedLayers() throws {
        let sandbox = try RemoveSandbox()
        let first = try sandbox.importImage("shared", content: "same\n", tag: "one:1")
        let second = try sandbox.importAgain("shared", tag: "two:1", changes: ["ENV X=1"])
        #expect(first.id != second.id)
        #expect(first.config.rootfs.diffIDs == second.config.rootfs.diffIDs)

        let removal = try sandbox.store.removeImage("one:1", force: false, user: noUser)
        #expect(removal.deleted == [first.id])
        #expect(sandbox.blobs() == blobs(of: second))
        #expect(sandbox.layers() == Set(second.config.rootfs.diffIDs.map(\.hex)))
        _ = try sandbox.store.ensureUnpacked(sandbox.store.resolve("two:1"))
    }

    @Test("by ID: several tags need force, then all go")
    func removesByID() throws {
        let sandbox = try RemoveSandbox()
        let image = try sandbox.importImage("a", content: "a\n", tag: "app:1")
        try sandbox.store.tag(image, as: "other/app:2")

        let refused = #expect(throws: SwrunError.self) {
            try sandbox.store.removeImage(image.id.short, force: false, user: noUser)
        }
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("image is referenced in multiple repositories") == true)
        #expect(try sandbox.store.list().count == 1)

        let removal = try sandbox.store.removeImage(String(image.id.hex.prefix(5)), force: true, user: noUser)
        #expect(Set(removal.untagged) == ["app:1", "other/app:2"])
        #expect(removal.deleted.first == image.id)
        #expect(sandbox.blobs().isEmpty)
    }

    @Test("an image a container uses is refused without force")
    func refusesImageInUse() throws {
        let sandbox = try RemoveSandbox()
        let image = try sandbox.importImage("a", content: "a\n", tag: "app:1")
        let stopped = { (id: Digest) in id == image.id ? ImageUser(containerID: "0123456789abcdef", running: false) : nil }
        let running = { (id: Digest) in id == image.id ? ImageUser(containerID: "0123456789abcdef", running: true) : nil }

        let error = #expect(throws: SwrunError.self) { try sandbox.store.removeImage("app:1", force: false, user: stopped) }
        #expect(
            error?.message == "conflict: unable to remove repository reference \"app:1\" (must force) - container "
                + "0123456789ab is using its referenced image \(image.id.short)")

        // Forced while a container runs it: untagged, kept (docker's rmi -f).
        let untagged = try sandbox.store.removeImage("app:1", force: true, user: running)
        #expect(untagged.untagged == ["app:1"] && untagged.deleted.isEmpty)
        #expect(try sandbox.store.list().map(\.id) == [image.id])
        let hard = #expect(throws: SwrunError.self) { try sandbox.store.removeImage(image.id.description, force: true, user: running) }
        #expect(hard?.message.contains("cannot be forced") == true)

        let deleted = try sandbox.store.removeImage(image.id.description, force: true, user: stopped)
        #expect(deleted.deleted.first == image.id)
        #expect(try sandbox.store.list().isEmpty)
    }

    @Test("an ID prefix of several images is ambiguous")
    func ambiguousPrefix() throws {
        let sandbox = try RemoveSandbox()
        let base = try sandbox.importImage("a", content: "a\n", tag: "base:1")
        // Configs that differ only in a label, until two IDs share 3 hex digits.
        var seen: [String: Descriptor] = [:]
        var pair: (Descriptor, Descriptor)?
        var n = 0
        while pair == nil {
            var config = base.config
            config.config?.labels = ["n": String(n)]
            let descriptor = try sandbox.store.storeBlob(OCIJSON.encode(config), mediaType: MediaType.ociConfig)
            let prefix = String(descriptor.digest.hex.prefix(3))
            if let other = seen[prefix] { pair = (other, descriptor) } else { seen[prefix] = descriptor }
            n += 1
        }
        let (first, second) = try #require(pair)
        for config in [first, second] {
            let manifest = ImageManifest(config: config, layers: base.manifest.layers)
            let stored = try sandbox.store.storeBlob(OCIJSON.encode(manifest), mediaType: MediaType.ociManifest)
            try sandbox.store.tagIndex.update { TagIndex.addUntagged(stored, to: &$0) }
        }
        let prefix = String(first.digest.hex.prefix(3))
        let error = #expect(throws: SwrunError.self) { try sandbox.store.removeImage(prefix, force: true, user: noUser) }
        #expect(error?.code == .conflict)
        #expect(try sandbox.store.list().count == 3)

        // A full ID is never ambiguous; the shared layer stays for the other two.
        let removal = try sandbox.store.removeImage(first.digest.hex, force: false, user: noUser)
        #expect(removal.deleted == [first.digest])
        #expect(!sandbox.blobs().contains(first.digest.hex))
        #expect(sandbox.blobs().contains(second.digest.hex))
        #expect(sandbox.blobs().isSuperset(of: blobs(of: base)))
    }

    @Test("garbage left by a crash goes in a later collection once old; fresh garbage stays")
    func collectsOldGarbage() throws {
        let sandbox = try RemoveSandbox()
        let image = try sandbox.importImage("a", content: "a\n", tag: "app:1")
        let orphan = try sandbox.store.storeBlob(Array("orphan".utf8), mediaType: "application/octet-stream")
        try FileIO.makeDirectories(sandbox.store.root + "/layers/" + String(repeating: "ab", count: 32))

        let index = try sandbox.store.tagIndex.read()
        try FileLock.withExclusiveLock(sandbox.store.tagIndex.lockPath) {
            _ = try sandbox.store.collectGarbage(in: index, candidates: [])
        }
        #expect(sandbox.blobs().contains(orphan.digest.hex))
        #expect(sandbox.layers().count == 2)

        try FileLock.withExclusiveLock(sandbox.store.tagIndex.lockPath) {
            _ = try sandbox.store.collectGarbage(in: index, candidates: [], grace: -10)
        }
        #expect(sandbox.blobs() == blobs(of: image))
        #expect(sandbox.layers() == Set(image.config.rootfs.diffIDs.map(\.hex)))
    }

    @Test("prune removes what the predicate picks and collects its blobs")
    func prunes() throws {
        let sandbox = try RemoveSandbox()
        let kept = try sandbox.importImage("a", content: "a\n", tag: "app:1")
        let dangling = try sandbox.importImage("b", content: "b\n", tag: nil)
        let removal = try sandbox.store.pruneImages { $0.repoTags.isEmpty }
        #expect(removal.deleted == [dangling.id] + dangling.config.rootfs.diffIDs)
        #expect(try sandbox.store.list().map(\.id) == [kept.id])
        #expect(sandbox.blobs() == blobs(of: kept))
        #expect(try sandbox.store.pruneImages { $0.repoTags.isEmpty } == ImageRemoval())
    }
}
