import CArchive
import CSwrun
import Crypto
import Foundation
import Glibc
import Testing
@testable import SwrunLayer
import SwrunOS

/// Layer writing from real directories: owners, devices and trusted.* xattrs need root.
@Suite("LayerWriter", .enabled(if: runningAsRoot, "needs root"))
struct LayerWriterTests {
    /// An overlay upper dir with every kind of entry commit meets.
    func makeUpperDir(_ dir: TempDir) throws {
        let root = dir.root
        try check(mkdir(root + "/etc", 0o755), "mkdir etc")
        try Data("new file\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/new"))
        try check(chown(root + "/etc/new", 1234, 5678), "chown")
        try check(chmod(root + "/etc/new", 0o640), "chmod")
        try check(sw_lsetxattr(root + "/etc/new", "user.swrun.test", "value", 5), "setxattr user")
        try check(sw_lsetxattr(root + "/etc/new", "trusted.overlay.origin", "x", 1), "setxattr origin")
        var times = [timespec(tv_sec: 1_600_000_000, tv_nsec: 123_456_789), timespec(tv_sec: 1_600_000_000, tv_nsec: 123_456_789)]
        try check(utimensat(AT_FDCWD, root + "/etc/new", &times, 0), "utimensat")
        try check(link(root + "/etc/new", root + "/etc/new-link"), "link")
        try check(symlink("/bin/dash", root + "/etc/sh"), "symlink")
        try check(mkfifo(root + "/run-fifo", 0o620), "mkfifo")
        try check(chmod(root + "/run-fifo", 0o620), "chmod fifo")
        try check(mknod(root + "/etc/gone", S_IFCHR | 0o600, 0), "mknod whiteout")
        try check(mknod(root + "/null", S_IFCHR | 0o666, Self.nullDevice), "mknod null")
        try check(chmod(root + "/null", 0o666), "chmod null")
        try check(mkdir(root + "/opq", 0o755), "mkdir opq")
        try check(sw_lsetxattr(root + "/opq", "trusted.overlay.opaque", "y", 1), "setxattr opaque")
        try Data("inner\n".utf8).write(to: URL(fileURLWithPath: root + "/opq/inner"))
        try Data().write(to: URL(fileURLWithPath: root + "/etc/hostname"))
    }

    @Test("an upper dir becomes an OCI layer that extracts back to the same tree")
    func roundTrip() throws {
        let upper = try TempDir()
        try makeUpperDir(upper)
        let tarPath = upper.base + "/layer.tar"
        let digests = try write(upper.root, to: tarPath) {
            try LayerWriter.writeDiff(directory: upper.root, to: $0, exclude: LayerWriter.runtimePlaceholders)
        }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: tarPath)))
        #expect(digests.uncompressedSize == Int64(bytes.count))
        #expect(digests.diffID == "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())

        let entries = try tarEntries(tarPath)
        let names = entries.map(\.name)
        #expect(names == [
            "etc/", "etc/.wh.gone", "etc/new", "etc/new-link", "etc/sh", "null", "opq/", "opq/.wh..wh..opq", "opq/inner",
            "run-fifo",
        ])
        let new = try #require(entries.first { $0.name == "etc/new" })
        // libarchive writes each xattr twice (SCHILY.xattr and LIBARCHIVE.xattr) and reads both.
        #expect(Set(new.xattrs) == ["user.swrun.test"])
        #expect(entries.first { $0.name == "etc/new-link" }?.hardlink == "etc/new")

        let extracted = try TempDir()
        let fd = open(tarPath, O_RDONLY | O_CLOEXEC)
        try check(fd, "open tar")
        defer { close(fd) }
        let again = try LayerExtractor.extract(inputFD: fd, destination: extracted.root)
        #expect(again == digests)

        let file = try extracted.stat("etc/new")
        #expect(file.st_mode == S_IFREG | 0o640)
        #expect(file.st_uid == 1234 && file.st_gid == 5678)
        #expect(file.st_mtim.tv_sec == 1_600_000_000 && file.st_mtim.tv_nsec == 123_456_789)
        #expect(file.st_nlink == 2)
        #expect(try extracted.contents("etc/new") == Array("new file\n".utf8))
        #expect(extracted.xattr("etc/new", "user.swrun.test") == Array("value".utf8))
        #expect(extracted.xattr("etc/new", "trusted.overlay.origin") == nil)
        #expect(try extracted.linkTarget("etc/sh") == "/bin/dash")
        #expect(try extracted.stat("run-fifo").st_mode == S_IFIFO | 0o620)
        let whiteout = try extracted.stat("etc/gone")
        #expect(whiteout.st_mode & S_IFMT == S_IFCHR && whiteout.st_rdev == 0)
        let null = try extracted.stat("null")
        #expect(null.st_mode == S_IFCHR | 0o666 && null.st_rdev == Self.nullDevice)
        #expect(extracted.xattr("opq", "trusted.overlay.opaque") == [UInt8(ascii: "y")])
        #expect(try extracted.contents("opq/inner") == Array("inner\n".utf8))
        #expect(!extracted.exists("etc/hostname"))
    }

    @Test("the same tree gives the same DiffID")
    func deterministic() throws {
        let upper = try TempDir()
        try makeUpperDir(upper)
        let first = try write(upper.root, to: upper.base + "/1.tar") { try LayerWriter.writeDiff(directory: upper.root, to: $0) }
        let second = try write(upper.root, to: upper.base + "/2.tar") { try LayerWriter.writeDiff(directory: upper.root, to: $0) }
        #expect(first == second)
    }

    @Test("a file named like a whiteout is refused")
    func refusesWhiteoutNames() throws {
        let upper = try TempDir()
        try check(mkdir(upper.root + "/etc", 0o755), "mkdir")
        try Data("evil".utf8).write(to: URL(fileURLWithPath: upper.root + "/etc/.wh.passwd"))
        #expect {
            _ = try write(upper.root, to: upper.base + "/layer.tar") { try LayerWriter.writeDiff(directory: upper.root, to: $0) }
        } throws: { error in
            (error as? SwrunError)?.code == .invalidArgument
        }
    }

    @Test("merged layers apply whiteouts and opaque dirs and write none")
    func merged() throws {
        let lower = try TempDir()
        for dir in ["a", "b"] { try check(mkdir(lower.root + "/" + dir, 0o755), "mkdir") }
        for file in ["a/1", "a/2", "b/x", "top"] {
            try Data(file.utf8).write(to: URL(fileURLWithPath: lower.root + "/" + file))
        }
        let upper = try TempDir()
        try check(mkdir(upper.root + "/a", 0o755), "mkdir")
        try check(mknod(upper.root + "/a/1", S_IFCHR, 0), "mknod")
        try check(mkdir(upper.root + "/b", 0o700), "mkdir")
        try check(sw_lsetxattr(upper.root + "/b", "trusted.overlay.opaque", "y", 1), "setxattr")
        try Data("y".utf8).write(to: URL(fileURLWithPath: upper.root + "/b/y"))
        try Data("changed".utf8).write(to: URL(fileURLWithPath: upper.root + "/top"))

        let tarPath = upper.base + "/merged.tar"
        _ = try write(upper.root, to: tarPath) { try LayerWriter.writeMerged(layers: [lower.root, upper.root], to: $0) }
        #expect(try tarEntries(tarPath).map(\.name) == ["a/", "a/2", "b/", "b/y", "top"])
        let extracted = try TempDir()
        let fd = open(tarPath, O_RDONLY | O_CLOEXEC)
        try check(fd, "open tar")
        defer { close(fd) }
        _ = try LayerExtractor.extract(inputFD: fd, destination: extracted.root)
        #expect(try extracted.contents("top") == Array("changed".utf8))
        #expect(try extracted.stat("b").st_mode == S_IFDIR | 0o700)
        #expect(extracted.xattr("b", "trusted.overlay.opaque") == nil)
    }

    // MARK: - Helpers

    /// makedev(1, 3), /dev/null's number (glibc's makedev is a macro).
    static let nullDevice: dev_t = 1 << 8 | 3

    private func check(_ result: Int32, _ step: String) throws {
        guard result >= 0 else { throw SwrunError.system(step) }
    }

    private func write(_ directory: String, to path: String, _ body: (Int32) throws -> LayerDigests) throws -> LayerDigests {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try check(fd, "open \(path)")
        defer { close(fd) }
        return try body(fd)
    }

    struct TarEntry {
        var name: String
        var hardlink: String?
        var xattrs: [String]
    }

    /// The entries of the tar at `path`, in order, read with libarchive.
    private func tarEntries(_ path: String) throws -> [TarEntry] {
        let reader = archive_read_new()!
        defer { archive_read_free(reader) }
        archive_read_support_format_tar(reader)
        guard archive_read_open_filename(reader, path, 10240) == ARCHIVE_OK else { throw SwrunError(.corrupt, "open \(path)") }
        var result: [TarEntry] = []
        var entry: OpaquePointer?
        while archive_read_next_header(reader, &entry) == ARCHIVE_OK, let entry {
            var xattrs: [String] = []
            if archive_entry_xattr_reset(entry) > 0 {
                var name: UnsafePointer<CChar>?
                var value: UnsafeRawPointer?
                var size = 0
                while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK, let name {
                    xattrs.append(String(cString: name))
                }
            }
            result.append(TarEntry(
                name: String(cString: archive_entry_pathname(entry)),
                hardlink: archive_entry_hardlink(entry).map { String(cString: $0) }, xattrs: xattrs))
        }
        return result
    }
}
