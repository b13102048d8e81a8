import CArchive
import CSwrun
import Foundation
import Glibc
import Testing
@testable import SwrunLayer
import SwrunOS

/// Extraction writes owners, devices and trusted.* xattrs: it needs root.
let runningAsRoot = getuid() == 0

@Suite("LayerExtractor", .enabled(if: runningAsRoot, "needs root"))
struct LayerExtractorTests {
    @Test("files, dirs, symlinks, hardlinks, devices and fifos keep their metadata")
    func entryTypes() throws {
        let content = Array("hello layer\n".utf8)
        let tar = TarBuilder()
        tar.directory("usr/", perm: 0o755, mtime: 1_500_000_001)
        tar.directory("usr/bin/", perm: 0o755, mtime: 1_500_000_002)
        tar.file("usr/bin/su", content, perm: 0o4755, uid: 0, gid: 0, mtime: 1_600_000_000, nsec: 123_456_789,
                 xattrs: ["user.swrun.test": Array("value".utf8)])
        tar.file("usr/bin/owned", content, perm: 0o640, uid: 1234, gid: 5678, mtime: 1_600_000_100)
        tar.hardlink("usr/bin/su-link", target: "usr/bin/su")
        tar.symlink("usr/bin/sh", target: "/bin/dash", uid: 42, gid: 43, mtime: 1_600_000_200)
        tar.directory("tmp/", perm: 0o1777, mtime: 1_500_000_003)
        tar.directory("dev/", perm: 0o755, mtime: 1_500_000_004)
        tar.node("dev/null", type: S_IFCHR, perm: 0o666, major: 1, minor: 3, mtime: 1_600_000_300)
        tar.node("dev/loop0", type: S_IFBLK, perm: 0o660, major: 7, minor: 0, gid: 6)
        tar.node("run-fifo", type: S_IFIFO, perm: 0o620, uid: 7)
        let plain = tar.finish()

        let dir = try TempDir()
        let digests = try dir.extract(plain)
        #expect(digests.uncompressedSize == Int64(plain.count))

        let su = try dir.stat("usr/bin/su")
        #expect(su.st_mode == S_IFREG | 0o4755)
        #expect(su.st_mtim.tv_sec == 1_600_000_000 && su.st_mtim.tv_nsec == 123_456_789)
        #expect(su.st_nlink == 2)
        #expect(try dir.contents("usr/bin/su") == content)
        #expect(dir.xattr("usr/bin/su", "user.swrun.test") == Array("value".utf8))

        let link = try dir.stat("usr/bin/su-link")
        #expect(link.st_ino == su.st_ino)

        let owned = try dir.stat("usr/bin/owned")
        #expect(owned.st_uid == 1234 && owned.st_gid == 5678 && owned.st_mode == S_IFREG | 0o640)

        let sh = try dir.stat("usr/bin/sh")
        #expect(sh.st_mode & S_IFMT == S_IFLNK)
        #expect(sh.st_uid == 42 && sh.st_gid == 43 && sh.st_mtim.tv_sec == 1_600_000_200)
        #expect(try dir.linkTarget("usr/bin/sh") == "/bin/dash")

        let tmp = try dir.stat("tmp")
        #expect(tmp.st_mode == S_IFDIR | 0o1777 && tmp.st_mtim.tv_sec == 1_500_000_003)
        // Directory times are set after their children are written.
        #expect(try dir.stat("usr/bin").st_mtim.tv_sec == 1_500_000_002)
        #expect(try dir.stat("usr").st_mtim.tv_sec == 1_500_000_001)
        #expect(try dir.stat("dev").st_mtim.tv_sec == 1_500_000_004)

        let null = try dir.stat("dev/null")
        #expect(null.st_mode == S_IFCHR | 0o666)
        #expect(sw_major(null.st_rdev) == 1 && sw_minor(null.st_rdev) == 3)
        #expect(null.st_mtim.tv_sec == 1_600_000_300)
        let loop = try dir.stat("dev/loop0")
        #expect(loop.st_mode == S_IFBLK | 0o660 && loop.st_gid == 6)
        #expect(sw_major(loop.st_rdev) == 7 && sw_minor(loop.st_rdev) == 0)
        let fifo = try dir.stat("run-fifo")
        #expect(fifo.st_mode == S_IFIFO | 0o620 && fifo.st_uid == 7)
    }

    @Test("missing parents are created, large and sparse files are written whole")
    func contents() throws {
        var big = [UInt8](repeating: 0, count: 3 << 20 + 12345)
        for index in big.indices { big[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }
        let tar = TarBuilder()
        tar.file("a/b/c/big.bin", big)
        tar.file("empty", [])
        tar.sparseFile("sparse.img", size: 8 << 20, chunks: [(0, Array(repeating: 1, count: 4096)), (5 << 20, Array(repeating: 2, count: 4096))])
        let dir = try TempDir()
        try dir.extract(tar.finish())
        #expect(try dir.contents("a/b/c/big.bin") == big)
        #expect(try dir.stat("a/b").st_mode == S_IFDIR | 0o755)
        #expect(try dir.contents("empty") == [])
        let sparse = try dir.stat("sparse.img")
        #expect(sparse.st_size == 8 << 20)
        #expect(sparse.st_blocks * 512 < 1 << 20, "holes stay holes")
        let bytes = try dir.contents("sparse.img")
        #expect(bytes[0] == 1 && bytes[4095] == 1 && bytes[4096] == 0)
        #expect(bytes[5 << 20] == 2 && bytes[(5 << 20) + 4096] == 0)
    }

    @Test("later entries replace earlier ones; a directory over a directory keeps its children")
    func replacement() throws {
        let tar = TarBuilder()
        tar.file("a", Array("file".utf8))
        tar.directory("a/", perm: 0o750)
        tar.directory("b/")
        tar.file("b/child", Array("x".utf8))
        tar.file("b", Array("now a file".utf8))
        tar.file("c", Array("one".utf8))
        tar.file("c", Array("two".utf8), perm: 0o600)
        tar.directory("d/", perm: 0o755)
        tar.file("d/kept", Array("kept".utf8))
        tar.directory("d/", perm: 0o700, uid: 99)
        tar.symlink("e", target: "nowhere")
        tar.file("e", Array("not a link".utf8))
        tar.file("f", Array("f".utf8))
        tar.hardlink("g", target: "f")
        tar.file("g", Array("g".utf8))
        let dir = try TempDir()
        try dir.extract(tar.finish())
        #expect(try dir.stat("a").st_mode == S_IFDIR | 0o750)
        #expect(try dir.contents("b") == Array("now a file".utf8))
        #expect(try dir.contents("c") == Array("two".utf8))
        #expect(try dir.stat("c").st_mode == S_IFREG | 0o600)
        let d = try dir.stat("d")
        #expect(d.st_mode == S_IFDIR | 0o700 && d.st_uid == 99)
        #expect(try dir.contents("d/kept") == Array("kept".utf8))
        #expect(try dir.contents("e") == Array("not a link".utf8))
        // Replacing a hardlinked name unlinks it rather than writing through it.
        #expect(try dir.contents("f") == Array("f".utf8))
        #expect(try dir.contents("g") == Array("g".utf8))
    }

    @Test("the root entry ./ sets the destination's own metadata")
    func rootEntry() throws {
        let tar = TarBuilder()
        tar.directory("./", perm: 0o711, mtime: 1_400_000_000)
        tar.file("./etc/hostname", Array("box\n".utf8))
        let dir = try TempDir()
        try dir.extract(tar.finish())
        let root = try dir.stat(".")
        #expect(root.st_mode == S_IFDIR | 0o711 && root.st_mtim.tv_sec == 1_400_000_000)
        #expect(try dir.contents("etc/hostname") == Array("box\n".utf8))
    }

    @Test("OCI whiteouts become overlay whiteouts")
    func whiteouts() throws {
        let tar = TarBuilder()
        tar.directory("etc/")
        tar.file("etc/keep", Array("k".utf8))
        tar.file("etc/gone", Array("g".utf8))
        tar.file("etc/.wh.gone", [])
        tar.file("lib/.wh.libold.so", [])
        tar.directory("var/cache/")
        tar.file("var/cache/.wh..wh..opq", [])
        tar.file("var/cache/new", Array("n".utf8))
        tar.file("var/.wh..wh.plnk", [])
        tar.directory("opt/")
        tar.directory("opt/tree/")
        tar.file("opt/tree/leaf", [])
        tar.file("opt/.wh.tree", [])
        tar.file("x", [], xattrs: ["trusted.overlay.redirect": Array("/elsewhere".utf8)])
        let dir = try TempDir()
        try dir.extract(tar.finish())

        for path in ["etc/gone", "lib/libold.so", "opt/tree"] {
            let node = try dir.stat(path)
            #expect(node.st_mode & S_IFMT == S_IFCHR, "\(path)")
            #expect(node.st_rdev == 0, "\(path)")
        }
        #expect(try dir.contents("etc/keep") == Array("k".utf8))
        #expect(dir.xattr("var/cache", "trusted.overlay.opaque") == Array("y".utf8))
        #expect(dir.xattr("etc", "trusted.overlay.opaque") == nil)
        #expect(try dir.contents("var/cache/new") == Array("n".utf8))
        #expect(dir.xattr("x", "trusted.overlay.redirect") == nil, "overlay xattrs from the tar are dropped")
        for name in ["etc/.wh.gone", "lib/.wh.libold.so", "var/cache/.wh..wh..opq", "var/.wh..wh.plnk", "opt/.wh.tree"] {
            #expect(!dir.exists(name), "\(name)")
        }
    }

    @Test("DiffID is the sha256 of the uncompressed tar, and the tee gets those bytes", arguments: Compression.allCases)
    func digestsAndTee(compression: Compression) throws {
        let tar = TarBuilder()
        tar.directory("d/")
        tar.file("d/f", Array(repeating: 0x61, count: 100_000))
        tar.symlink("d/l", target: "f")
        // Padding after the end-of-archive blocks still belongs to the DiffID.
        let plain = tar.finish() + [UInt8](repeating: 0, count: 5000)
        let input = try compression.compress(plain)
        if compression != .none { #expect(input != plain) }

        let dir = try TempDir()
        let teePath = dir.base + "/tee.tar"
        let teeFD = open(teePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        #expect(teeFD >= 0)
        defer { close(teeFD) }
        let digests = try dir.extract(input, teeFD: teeFD)

        #expect(digests.diffID == "sha256:" + (try sha256sum(plain)))
        #expect(digests.uncompressedSize == Int64(plain.count))
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: teePath))) == plain)
        #expect(try dir.contents("d/f").count == 100_000)
    }

    @Test("input from a pipe (not seekable) extracts the same")
    func pipeInput() throws {
        let tar = TarBuilder()
        tar.file("big", [UInt8](repeating: 7, count: 2 << 20))
        let plain = tar.finish()
        let gz = try Compression.gzip.compress(plain)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readFD, writeFD) = (fds[0], fds[1])
        let writer = Thread {
            gz.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let written = write(writeFD, raw.baseAddress! + done, raw.count - done)
                    if written <= 0 { break }
                    done += written
                }
            }
            close(writeFD)
        }
        writer.start()
        defer { close(readFD) }
        let dir = try TempDir()
        let digests = try LayerExtractor.extract(inputFD: readFD, destination: dir.root)
        #expect(digests.diffID == "sha256:" + (try sha256sum(plain)))
        #expect(try dir.stat("big").st_size == 2 << 20)
    }

    @Test("truncated, garbage and empty input throw .corrupt")
    func corruptInput() throws {
        let tar = TarBuilder()
        tar.file("f", [UInt8](repeating: 1, count: 20_000))
        let plain = tar.finish()
        let gz = try Compression.gzip.compress(plain)
        var garbage = [UInt8](repeating: 0, count: 4096)
        for index in garbage.indices { garbage[index] = UInt8(truncatingIfNeeded: index &* 7919 &+ 13) }
        let cases: [(String, [UInt8])] = [
            ("truncated tar", Array(plain.prefix(5000))),
            ("truncated gzip", Array(gz.prefix(gz.count / 2))),
            ("garbage", garbage),
            ("gzip magic then garbage", [0x1f, 0x8b, 0x08, 0x00] + garbage),
            ("empty", []),
        ]
        for (label, input) in cases {
            let dir = try TempDir()
            do {
                _ = try dir.extract(input)
                Issue.record("\(label): no error")
            } catch let error as SwrunError {
                #expect(error.code == .corrupt, "\(label): \(error)")
                #expect(error.message.hasPrefix("layer tar:"), "\(label): \(error)")
                #expect(!error.message.contains("\n"), "\(label): \(error)")
            }
        }
    }
}

@Suite("LayerExtractor entry names")
struct LayerExtractorNameTests {
    @Test("names are split into clean components", arguments: [
        ("usr/bin/ls", "usr/bin/ls"),
        ("./usr//bin/", "usr/bin"),
        ("a/./b/.", "a/b"),
        ("./", "."),
        (".", "."),
        ("caf\u{e9}/x", "caf\u{e9}/x"),
    ])
    func accepted(name: String, relative: String) throws {
        let path = try EntryPath(name, role: "entry")
        #expect(EntryPath.display(path.relative) == relative)
    }

    @Test("absolute, empty and .. names are refused", arguments: ["/etc/passwd", "/", "", "..", "a/../b", "a/b/..", "../x"])
    func refused(name: String) {
        #expect(throws: SwrunError.self) { try EntryPath(name, role: "entry") }
    }
}

// MARK: - Helpers

enum Compression: String, CaseIterable, CustomTestStringConvertible {
    case none, gzip, zstd, xz, bzip2

    var testDescription: String { rawValue }

    func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        switch self {
        case .none: return bytes
        case .gzip: return try run(["gzip", "-c"], input: bytes)
        case .zstd: return try run(["zstd", "-c", "-q"], input: bytes)
        case .xz: return try run(["xz", "-c"], input: bytes)
        case .bzip2: return try run(["bzip2", "-c"], input: bytes)
        }
    }
}

/// Runs a command with `input` on stdin and returns its stdout.
func run(_ argv: [String], input: [UInt8]) throws -> [UInt8] {
    let scratch = try TempDir()
    let inPath = scratch.base + "/in"
    let outPath = scratch.base + "/out"
    try Data(input).write(to: URL(fileURLWithPath: inPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", argv.joined(separator: " ") + " < '\(inPath)' > '\(outPath)'"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw SwrunError(.internalError, "\(argv[0]) failed") }
    return Array(try Data(contentsOf: URL(fileURLWithPath: outPath)))
}

/// sha256 by an independent implementation: coreutils' sha256sum.
func sha256sum(_ bytes: [UInt8]) throws -> String {
    String(decoding: try run(["sha256sum"], input: bytes).prefix(64), as: UTF8.self)
}

/// A temp dir `base` holding the extraction root `base/root`, so that tests can check
/// that nothing appears next to it.
final class TempDir {
    let base: String
    var root: String { base + "/root" }

    init() throws {
        var template = Array("/tmp/swrun-layer-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SwrunError.system("mkdtemp") }
        base = String(cString: made)
        guard mkdir(base + "/root", 0o755) == 0 else { throw SwrunError.system("mkdir root") }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: base)
    }

    @discardableResult
    func extract(_ bytes: [UInt8], teeFD: Int32? = nil) throws -> LayerDigests {
        let inputPath = base + "/input"
        try Data(bytes).write(to: URL(fileURLWithPath: inputPath))
        let fd = open(inputPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open input") }
        defer {
            close(fd)
            unlink(inputPath)
        }
        return try LayerExtractor.extract(inputFD: fd, destination: root, teeFD: teeFD)
    }

    func stat(_ path: String) throws -> Glibc.stat {
        var result = Glibc.stat()
        guard lstat(root + "/" + path, &result) == 0 else { throw SwrunError.system("lstat \(path)") }
        return result
    }

    func exists(_ path: String) -> Bool {
        var result = Glibc.stat()
        return lstat(root + "/" + path, &result) == 0
    }

    func contents(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + path)))
    }

    func linkTarget(_ path: String) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + path)
    }

    func xattr(_ path: String, _ name: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let size = sw_lgetxattr(root + "/" + path, name, &buffer, buffer.count)
        return size < 0 ? nil : Array(buffer.prefix(size))
    }

    /// Names in `base` other than the root and the input file.
    func strayNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: base).filter { $0 != "root" && $0 != "input" }.sorted()
    }
}

/// Writes test layers with libarchive's pax writer, which takes names as given
/// (including hostile ones) and pads the archive to 10 KiB blocks.
final class TarBuilder {
    private let archive: OpaquePointer
    private let sink = Sink()

    final class Sink {
        var bytes: [UInt8] = []
    }

    init() {
        archive = archive_write_new()!
        archive_write_set_format_pax_restricted(archive)
        archive_write_open(archive, Unmanaged.passUnretained(sink).toOpaque(), nil, { _, context, buffer, length in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }, nil)
    }

    deinit {
        archive_write_free(archive)
    }

    private func add(_ path: String, type: mode_t, perm: mode_t, uid: Int64, gid: Int64, mtime: Int, nsec: Int = 0,
                     data: [UInt8] = [], configure: (OpaquePointer) -> Void = { _ in }) {
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, UInt32(type))
        archive_entry_set_perm(entry, perm)
        archive_entry_set_uid(entry, uid)
        archive_entry_set_gid(entry, gid)
        archive_entry_set_mtime(entry, mtime, nsec)
        archive_entry_set_size(entry, Int64(data.count))
        configure(entry)
        precondition(archive_write_header(archive, entry) == ARCHIVE_OK, String(cString: archive_error_string(archive)))
        if !data.isEmpty {
            _ = data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
        }
    }

    func file(_ path: String, _ data: [UInt8], perm: mode_t = 0o644, uid: Int64 = 0, gid: Int64 = 0,
              mtime: Int = 1_600_000_000, nsec: Int = 0, xattrs: [String: [UInt8]] = [:]) {
        add(path, type: S_IFREG, perm: perm, uid: uid, gid: gid, mtime: mtime, nsec: nsec, data: data) { entry in
            for (name, value) in xattrs {
                value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, name, $0.baseAddress, $0.count) }
            }
        }
    }

    func sparseFile(_ path: String, size: Int64, chunks: [(Int64, [UInt8])]) {
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, Glibc.S_IFREG)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_size(entry, size)
        for (offset, data) in chunks { archive_entry_sparse_add_entry(entry, offset, Int64(data.count)) }
        precondition(archive_write_header(archive, entry) == ARCHIVE_OK, String(cString: archive_error_string(archive)))
        // The pax writer takes the whole logical contents and leaves out the holes.
        var logical = [UInt8](repeating: 0, count: Int(size))
        for (offset, data) in chunks { logical.replaceSubrange(Int(offset)..<Int(offset) + data.count, with: data) }
        _ = logical.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
    }

    func directory(_ path: String, perm: mode_t = 0o755, uid: Int64 = 0, gid: Int64 = 0, mtime: Int = 1_600_000_000) {
        add(path, type: S_IFDIR, perm: perm, uid: uid, gid: gid, mtime: mtime)
    }

    func symlink(_ path: String, target: String, uid: Int64 = 0, gid: Int64 = 0, mtime: Int = 1_600_000_000) {
        add(path, type: S_IFLNK, perm: 0o777, uid: uid, gid: gid, mtime: mtime) { archive_entry_set_symlink($0, target) }
    }

    func hardlink(_ path: String, target: String) {
        add(path, type: S_IFREG, perm: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000) { archive_entry_set_hardlink($0, target) }
    }

    func node(_ path: String, type: mode_t, perm: mode_t, major: UInt32 = 0, minor: UInt32 = 0, uid: Int64 = 0, gid: Int64 = 0,
              mtime: Int = 1_600_000_000) {
        add(path, type: type, perm: perm, uid: uid, gid: gid, mtime: mtime) { entry in
            archive_entry_set_rdevmajor(entry, dev_t(major))
            archive_entry_set_rdevminor(entry, dev_t(minor))
        }
    }

    func finish() -> [UInt8] {
        archive_write_close(archive)
        return sink.bytes
    }
}
