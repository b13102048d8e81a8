import Foundation
import Testing
import Synchronization
@testable import SwrunImage
import SwrunOS

@Suite("ImageStoreRealFixtureScratch")
struct ImageStoreRealFixtureScratch {
    @Test func realSeed() throws {
        let root = "/tmp/swrun-real-seed-" + UUID().uuidString
        defer { try? FileIO.removeTree(root) }
        let stores = try (0..<2).map { _ in try ImageStore(root: root) }
        let start = Date()
        let results = Mutex<[Result<StoredImage, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = Result { try stores[i].resolveOrSeed(i == 0 ? "debian" : "debian:bookworm") }
            results.withLock { $0.append(r) }
        }
        let images = try results.withLock { $0 }.map { try $0.get() }
        print("seed debian took", Date().timeIntervalSince(start), images.map(\.id.short), images[0].repoTags)
        let t2 = Date()
        let bb = try stores[0].resolveOrSeed("busybox")
        print("seed busybox took", Date().timeIntervalSince(t2), bb.id, bb.repoTags)
        print(try stores[0].ensureUnpacked(bb), try stores[0].list().map(\.repoTags))
        print(try String(contentsOfFile: root + "/index.json", encoding: .utf8))
        print(try FileIO.readString(stores[0].blobPath(bb.id)))
    }
}
