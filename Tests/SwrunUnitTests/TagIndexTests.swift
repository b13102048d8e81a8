import Glibc
import Testing
@testable import SwrunImage
import SwrunDigest
import SwrunOCI
import SwrunOS

/// `TagIndex`: `index.json`, its lock, and the tag changes made to its entries.
@Suite struct TagIndexTests {
    static func manifest(_ byte: String) -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: Digest.sha256(of: Array(byte.utf8)), size: 1)
    }

    let a = manifest("a")
    let b = manifest("b")

    @Test("setTag moves a tag; the image it leaves keeps an untagged entry, a tagged one is replaced")
    func setTag() {
        var index = ImageIndex()
        TagIndex.addUntagged(a, to: &index)
        TagIndex.addUntagged(a, to: &index)
        #expect(index.manifests.count == 1)
        TagIndex.setTag("x:1", to: a, in: &index)
        #expect(index.manifests.map(\.digest) == [a.digest])
        #expect(TagIndex.refName(of: index.manifests[0]) == "x:1")
        TagIndex.setTag("x:1", to: b, in: &index)
        #expect(index.manifests.map(\.digest) == [b.digest, a.digest])
        #expect(index.manifests.map(TagIndex.refName(of:)) == ["x:1", nil])
        TagIndex.setTag("y:1", to: a, in: &index)
        #expect(index.manifests.map(TagIndex.refName(of:)) == ["x:1", "y:1"])
    }

    @Test("removeTag drops one of several tags, and keeps the last as an untagged entry")
    func removeTag() {
        var index = ImageIndex()
        TagIndex.setTag("x:1", to: a, in: &index)
        TagIndex.setTag("x:2", to: a, in: &index)
        TagIndex.setTag("z:1", to: b, in: &index)
        let isA = { (entry: Descriptor) in entry.digest == a.digest }
        TagIndex.removeTag("x:1", in: &index, where: isA)
        #expect(index.manifests.map(TagIndex.refName(of:)) == ["x:2", "z:1"])
        TagIndex.removeTag("x:2", in: &index, where: isA)
        #expect(index.manifests.map(\.digest) == [a.digest, b.digest])
        #expect(index.manifests[0].annotations == nil)
        TagIndex.removeTag("z:1", in: &index, where: isA)
        #expect(index.manifests.map(TagIndex.refName(of:)) == [nil, "z:1"])
    }

    @Test("addRepoDigest replaces a bare untagged entry, once per repo digest")
    func repoDigest() {
        var index = ImageIndex()
        TagIndex.addUntagged(a, to: &index)
        TagIndex.addRepoDigest("x@" + a.digest.description, to: a, in: &index)
        TagIndex.addRepoDigest("x@" + a.digest.description, to: a, in: &index)
        #expect(index.manifests.count == 1)
        #expect(index.manifests[0].annotations == [TagIndex.repoDigestKey: "x@" + a.digest.description])
    }

    @Test("update writes only a changed index, under .index.lock")
    func update() throws {
        var template = Array("/tmp/swrun-tagindex-XXXXXX".utf8CString)
        let root = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileIO.removeTree(root) }
        let tags = TagIndex(root: root)
        #expect(tags.path == root + "/index.json" && tags.lockPath == root + "/.index.lock")
        try tags.createIfMissing()
        #expect(try tags.read() == ImageIndex())
        var before = stat()
        #expect(lstat(tags.path, &before) == 0)
        try tags.update { _ in }
        var after = stat()
        #expect(lstat(tags.path, &after) == 0)
        #expect(after.st_ino == before.st_ino, "an unchanged index is not rewritten")
        let a = self.a
        try tags.update { TagIndex.setTag("x:1", to: a, in: &$0) }
        #expect(try tags.read().manifests.map(TagIndex.refName(of:)) == ["x:1"])
        #expect(FileIO.exists(tags.lockPath))
    }
}
