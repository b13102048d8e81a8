import Glibc
import Testing
@testable import SwrunBuild
import SwrunOS

@Suite("Context: ADD of a local archive", .enabled(if: getuid() == 0, "sets owners"))
struct ContextArchiveTests {
    /// `context/<name>`: a tar of `tree` (relative paths → contents) made by tar(1) with `flag`.
    func makeArchive(_ fixture: ContextFixture, _ name: String, flag: String, tree: [String: String]) throws {
        let source = fixture.base + "/archive-source"
        for (path, contents) in tree { try fixture.file(source, path, contents) }
        try FileIO.runChecked("/usr/bin/tar", ["-c", flag, "-f", fixture.context + "/" + name, "-C", source, "."].filter { !$0.isEmpty })
        try FileIO.removeTree(source)
    }

    @Test("plain, gzip, bzip2, xz and zstd tars are unpacked at the destination", arguments: [
        ("plain.tar", ""), ("gz.tgz", "-z"), ("bz.tar.bz2", "-j"), ("xz.tar.xz", "-J"), ("zst.tar.zst", "--zstd"),
    ])
    func unpacks(name: String, flag: String) throws {
        let fixture = try ContextFixture()
        try makeArchive(fixture, name, flag: flag, tree: ["top.txt": "top", "dir/inner.txt": "inner"])
        try fixture.copy([name], to: "/opt/x", extractArchives: true)
        #expect(try fixture.tree(fixture.upper) == ["opt/", "opt/x/", "opt/x/dir/", "opt/x/dir/inner.txt", "opt/x/top.txt"])
        #expect(try fixture.read(fixture.upper, "opt/x/dir/inner.txt") == "inner")
    }

    @Test("COPY copies the archive itself; ADD of a non-archive copies the file")
    func notUnpacked() throws {
        let fixture = try ContextFixture()
        try makeArchive(fixture, "a.tgz", flag: "-z", tree: ["f": "f"])
        try fixture.file(fixture.context, "notes.txt", "not a tar")
        try fixture.copy(["a.tgz"], to: "/copy/")
        try fixture.copy(["notes.txt"], to: "/add/", extractArchives: true)
        #expect(try fixture.tree(fixture.upper) == ["add/", "add/notes.txt", "copy/", "copy/a.tgz"])
    }

    @Test("--chown applies to the unpacked entries; entries merge with what is there")
    func chownAndMerge() throws {
        let fixture = try ContextFixture()
        try makeArchive(fixture, "a.tar", flag: "", tree: ["dir/new.txt": "new", "dir/old.txt": "replaced"])
        try fixture.file(fixture.context, "dir/old.txt", "old")
        try fixture.file(fixture.context, "dir/kept.txt", "kept")
        try fixture.copy(["."], to: "/d/", ignoring: "a.tar\n")
        try fixture.copy(["a.tar"], to: "/d/", chown: (7, 9), extractArchives: true)
        #expect(try fixture.tree(fixture.upper) == ["d/", "d/dir/", "d/dir/kept.txt", "d/dir/new.txt", "d/dir/old.txt"])
        #expect(try fixture.read(fixture.upper, "d/dir/old.txt") == "replaced")
        let info = try fixture.stat(fixture.upper, "d/dir/new.txt")
        #expect(info.st_uid == 7 && info.st_gid == 9)
        #expect(!(try FileIO.directoryNames(fixture.upper)).contains { $0.hasPrefix(".swrun-add") })
    }

    @Test("an archive holding a whiteout entry fails instead of planting a whiteout")
    func whiteoutRefused() throws {
        let fixture = try ContextFixture()
        try makeArchive(fixture, "w.tar", flag: "", tree: ["dir/.wh.gone": ""])
        let error = try #require(throws: SwrunError.self) { try fixture.copy(["w.tar"], to: "/", extractArchives: true) }
        #expect(error.message.contains("whiteout"))
        #expect(try fixture.tree(fixture.upper).isEmpty)
    }
}
