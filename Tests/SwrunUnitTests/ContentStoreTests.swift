import Glibc
import Testing
@testable import SwrunImage
import SwrunDigest
import SwrunOCI
import SwrunOS

/// `ContentStore`: the one way blobs enter the store.
@Suite struct ContentStoreTests {
    let scratch: String
    let content: ContentStore

    init() throws {
        var template = Array("/tmp/swrun-content-XXXXXX".utf8CString)
        scratch = String(cString: try #require(mkdtemp(&template)))
        try FileIO.makeDirectories(scratch + "/blobs/sha256")
        try FileIO.makeDirectories(scratch + "/tmp")
        content = ContentStore(directory: scratch + "/blobs/sha256", ingestDirectory: scratch + "/tmp")
    }

    /// Every name in the blobs and ingest directories, hidden temporaries included.
    func names() throws -> [String] {
        try (FileIO.directoryNames(content.directory) + FileIO.directoryNames(content.ingestDirectory)).sorted()
    }

    func inode(_ digest: Digest) -> UInt {
        var st = stat()
        return lstat(content.path(of: digest), &st) == 0 ? UInt(st.st_ino) : 0
    }

    @Test func bytesAreStoredUnderTheirDigest() throws {
        defer { try? FileIO.removeTree(scratch) }
        let bytes = Array("{\"a\":1}".utf8)
        let (digest, size) = try content.ingest(bytes)
        #expect(digest == Digest.sha256(of: bytes))
        #expect(size == Int64(bytes.count))
        #expect(try content.read(digest) == bytes)
        #expect(try names() == [digest.hex])
    }

    @Test func aDigestMismatchIsRejectedAndLeavesNothing() throws {
        defer { try? FileIO.removeTree(scratch) }
        let claimed = Digest.sha256(of: Array("what the manifest says".utf8))
        let error = #expect(throws: SwrunError.self) {
            try content.ingest { staged in
                try FileIO.writeAll(staged.fd, Array("what arrived".utf8))
                try content.commit(staged, expected: claimed)
            }
        }
        #expect(error?.code == .corrupt)
        #expect(!content.contains(claimed))
        #expect(try names().isEmpty)
    }

    @Test func aSizeMismatchIsRejectedAndLeavesNothing() throws {
        defer { try? FileIO.removeTree(scratch) }
        let bytes = Array("twelve bytes".utf8)
        let digest = Digest.sha256(of: bytes)
        #expect(throws: SwrunError.self) {
            try content.ingest { staged in
                try FileIO.writeAll(staged.fd, bytes)
                try content.commit(staged, expected: digest, size: 13, written: digest)
            }
        }
        #expect(try names().isEmpty)
    }

    @Test func aFailingWriterLeavesNothing() throws {
        defer { try? FileIO.removeTree(scratch) }
        #expect(throws: SwrunError.self) {
            try content.ingest { staged in
                try FileIO.writeAll(staged.fd, Array("half a layer".utf8))
                throw SwrunError(.corrupt, "the stream broke")
            }
        }
        #expect(try names().isEmpty)
    }

    @Test func anExistingBlobIsKept() throws {
        defer { try? FileIO.removeTree(scratch) }
        let bytes = Array("layer".utf8)
        let (digest, _) = try content.ingest(bytes)
        let first = inode(digest)
        #expect(first != 0)
        _ = try content.ingest(bytes)
        #expect(inode(digest) == first)
        // Written again through an ingest of unknown digest: the new copy is dropped.
        let committed = try content.ingest { staged in
            try FileIO.writeAll(staged.fd, bytes)
            return try content.commit(staged)
        }
        #expect(committed.digest == digest)
        #expect(inode(digest) == first)
        #expect(try names() == [digest.hex])
    }

    @Test(arguments: [false, true])
    func aFileIsCopiedOrLinkedIn(linkable: Bool) throws {
        defer { try? FileIO.removeTree(scratch) }
        let source = scratch + "/layer.tar"
        let bytes = Array(repeating: UInt8(7), count: 70_000)
        try FileIO.writeFile(source, bytes: bytes)
        let digest = Digest.sha256(of: bytes)
        try content.ingest(contentsOf: source, digest: digest, size: Int64(bytes.count), linkable: linkable)
        #expect(try content.read(digest) == bytes)
        var sourceInfo = stat()
        #expect(stat(source, &sourceInfo) == 0)
        #expect((UInt(sourceInfo.st_ino) == inode(digest)) == linkable)
        #expect(try names() == [digest.hex])
        // A copy is hashed again: a source that does not match its digest is refused.
        #expect(throws: SwrunError.self) {
            try content.ingest(contentsOf: source, digest: Digest.sha256(of: [1]), size: Int64(bytes.count), linkable: false)
        }
        #expect(try names() == [digest.hex])
    }

    @Test func onlyAbandonedIngestsAreSwept() throws {
        defer { try? FileIO.removeTree(scratch) }
        let live = try content.beginIngest()
        let abandoned = content.ingestDirectory + "/.ingest.tmp-dead"
        try FileIO.writeFile(abandoned, "left by a killed pull")
        content.removeStaleIngests(olderThan: -10)
        #expect(FileIO.exists(live.temporaryPath))
        #expect(!FileIO.exists(abandoned))
        live.discard()
        #expect(try names().isEmpty)
    }
}
