import Glibc
import Testing
@testable import SwrunImage
import SwrunDigest
import SwrunOCI
import SwrunOS

/// `LayerStore`: unpacked layers appear and leave by rename, under their own lock.
@Suite struct LayerStoreTests {
    let scratch: String
    let layers: LayerStore

    init() throws {
        var template = Array("/tmp/swrun-layers-XXXXXX".utf8CString)
        scratch = String(cString: try #require(mkdtemp(&template)))
        for directory in ["/blobs/sha256", "/tmp", "/layers"] { try FileIO.makeDirectories(scratch + directory) }
        let content = ContentStore(directory: scratch + "/blobs/sha256", ingestDirectory: scratch + "/tmp")
        layers = LayerStore(
            directory: scratch + "/layers", content: content,
            workArea: WorkArea(directory: scratch + "/tmp", content: content))
    }

    /// A directory under `tmp/` holding one file with `text`.
    func unpacked(_ name: String, text: String) throws -> String {
        let directory = scratch + "/tmp/" + name
        try FileIO.makeDirectories(directory)
        try FileIO.writeFile(directory + "/file", text)
        return directory
    }

    @Test("adopt moves the first unpacked copy in and keeps it; remove takes it out whole")
    func adoptAndRemove() throws {
        defer { try? FileIO.removeTree(scratch) }
        let diffID = Digest.sha256(of: Array("layer".utf8))
        let first = try unpacked("first", text: "first")
        try layers.adopt(first, diffID: diffID)
        #expect(!FileIO.exists(first))
        let second = try unpacked("second", text: "second")
        try layers.adopt(second, diffID: diffID)
        #expect(FileIO.exists(second), "a layer already unpacked stays as it is")
        #expect(try FileIO.readString(layers.path(of: diffID) + "/file") == "first")
        #expect(FileIO.exists(layers.directory + "/." + diffID.hex + ".lock"))

        try layers.remove(diffID.hex)
        #expect(!FileIO.exists(layers.path(of: diffID)))
        #expect(try FileIO.directoryNames(scratch + "/tmp") == ["second"])
        try layers.remove(diffID.hex)
    }

    @Test("unpack refuses a blob that is not a layer, and a missing blob")
    func unpackRefuses() throws {
        defer { try? FileIO.removeTree(scratch) }
        let digest = Digest.sha256(of: Array("blob".utf8))
        let notLayer = #expect(throws: SwrunError.self) {
            try layers.unpack(Descriptor(mediaType: MediaType.ociConfig, digest: digest, size: 4), diffID: digest)
        }
        #expect(notLayer?.code == .unsupported)
        let missing = #expect(throws: SwrunError.self) {
            try layers.unpack(Descriptor(mediaType: MediaType.ociLayerTar, digest: digest, size: 4), diffID: digest)
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("missing from the store") == true)
        #expect(!FileIO.exists(layers.path(of: digest)))
    }
}
