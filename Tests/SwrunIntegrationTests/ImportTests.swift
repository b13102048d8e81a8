import Foundation
import Testing

/// `swrun import`: changes applied to the config, compressed input, and tarballs that
/// must be refused without touching the store or anything outside it.
@Suite("import: tarballs into images", .serialized)
struct ImportTests {
    static let busyboxTar = Swrun.fixtures + "/busybox.tar"

    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// The store's content-addressed parts; equal snapshots mean the store was not written.
    func storeSnapshot() -> [String] {
        Host.snapshot(swrun.root + "/blobs") + Host.snapshot(swrun.root + "/layers")
            + ["index.json: " + (Host.read(swrun.root + "/index.json") ?? "absent")]
    }

    /// Builds a tar with python's tarfile: one harmless file, then the hostile entries.
    func hostileTar(_ name: String, outside: String, kind: String) throws -> String {
        let path = swrun.scratch + "/" + name + ".tar"
        let script = #"""
        import io, sys, tarfile
        path, kind, outside = sys.argv[1], sys.argv[2], sys.argv[3]
        def add_file(tar, name, data=b"pwned\n"):
            info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        def add_link(tar, name, target, type):
            info = tarfile.TarInfo(name); info.type = type; info.linkname = target
            tar.addfile(info)
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            add_file(tar, "harmless.txt", b"ok\n")
            if kind == "dotdot":
                add_file(tar, "../escape")
                add_file(tar, "../" * 12 + outside.lstrip("/") + "/escape")
            elif kind == "absolute":
                add_file(tar, outside + "/abs")
            elif kind == "symlink":
                add_link(tar, "evil", outside, tarfile.SYMTYPE)
                add_file(tar, "evil/pwned")
            elif kind == "hardlink":
                add_link(tar, "passwd-link", "../../etc/passwd", tarfile.LNKTYPE)
            elif kind == "hardlink-absolute":
                add_link(tar, "passwd-link", "/etc/passwd", tarfile.LNKTYPE)
        """#
        let result = Host.run("/usr/bin/python3", ["-c", script, path, kind, outside])
        try #require(result.status == 0, "python3 could not write \(kind) tar")
        return path
    }

    @Test func importFromStdinWithChangesAndTag() throws {
        let input = try Data(contentsOf: URL(fileURLWithPath: Self.busyboxTar))
        let imported = swrun.run(["import", "-c", "ENV FOO=bar", "-c", "WORKDIR /srv", "-m", "a message", "-", "mybox:v1"], stdin: input)
        #expect(imported.status == 0, "\(imported)")
        let id = imported.out
        #expect(id.hasPrefix("sha256:") && id.count == 71, "\(imported)")
        let run = swrun.runRm(["mybox:v1", "sh", "-c", "echo $FOO; pwd"])
        #expect(run.status == 0, "\(run)")
        #expect(run.lines == ["bar", "/srv"])
        let images = swrun.run(["images"])
        let row = images.lines.first { $0.hasPrefix("mybox ") } ?? ""
        #expect(row.contains(" v1 "), "\(images)")
        #expect(row.contains(String(id.dropFirst(7).prefix(12))), "\(images)")
        #expect(swrun.run(["images", "-q"]).lines.contains(String(id.dropFirst(7).prefix(12))))
    }

    @Test func importFromAFileWithCmdAndEntrypoint() {
        let imported = swrun.run(["import", "-c", "ENTRYPOINT [\"/bin/echo\"]", "-c", "CMD [\"default\", \"args\"]", Self.busyboxTar, "echoer"])
        #expect(imported.status == 0, "\(imported)")
        #expect(swrun.runRm(["echoer"]).stdout == "default args\n")
        #expect(swrun.runRm(["echoer", "given"]).stdout == "given\n")
        #expect(swrun.runRm(["echoer:latest", "tagged"]).stdout == "tagged\n")
    }

    @Test func importWithoutChangesHasNoCommand() {
        let imported = swrun.run(["import", Self.busyboxTar, "bare"])
        #expect(imported.status == 0, "\(imported)")
        let noCommand = swrun.runRm(["bare"])
        #expect(noCommand.status == 125, "no command given and the image has none: \(noCommand)")
        let run = swrun.runRm(["bare", "/bin/echo", "works"])
        #expect(run.stdout == "works\n", "\(run)")
    }

    @Test func importByIDWithoutTag() {
        let imported = swrun.run(["import", Self.busyboxTar])
        #expect(imported.status == 0, "\(imported)")
        let short = String(imported.out.dropFirst(7).prefix(12))
        let run = swrun.runRm([short, "/bin/echo", "by-id"])
        #expect(run.stdout == "by-id\n", "\(run)")
    }

    @Test func gzipAndZstdCompressedImportsRun() throws {
        let gz = swrun.scratch + "/bb.tar.gz"
        let zst = swrun.scratch + "/bb.tar.zst"
        #expect(Host.run("/bin/sh", ["-c", "gzip -c '\(Self.busyboxTar)' > '\(gz)'"]).status == 0)
        #expect(Host.run("/bin/sh", ["-c", "zstd -q -c '\(Self.busyboxTar)' > '\(zst)'"]).status == 0)
        let fromGzip = swrun.run(["import", gz, "bb:gz"])
        let fromZstd = swrun.run(["import", zst, "bb:zst"])
        #expect(fromGzip.status == 0, "\(fromGzip)")
        #expect(fromZstd.status == 0, "\(fromZstd)")
        for tag in ["bb:gz", "bb:zst"] {
            let run = swrun.runRm([tag, "/bin/sh", "-c", "echo ok"])
            #expect(run.stdout == "ok\n", "\(tag): \(run)")
        }
        // The uncompressed content is the same, so both share one unpacked layer.
        #expect(swrun.layerDirectories().count == 1, "\(swrun.layerDirectories())")
    }

    @Test func corruptGzipLeavesTheStoreUnchanged() throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let gz = swrun.scratch + "/bb.tar.gz"
        let truncated = swrun.scratch + "/truncated.tar.gz"
        #expect(Host.run("/bin/sh", ["-c", "gzip -c '\(Self.busyboxTar)' > '\(gz)' && head -c 300000 '\(gz)' > '\(truncated)'"]).status == 0)
        let before = storeSnapshot()
        let result = swrun.run(["import", truncated, "broken:1"])
        #expect(result.status != 0, "\(result)")
        #expect(result.err.split(separator: "\n").count == 1, "one-line error: \(result)")
        #expect(storeSnapshot() == before)
        #expect(!swrun.run(["images"]).stdout.contains("broken"))
    }

    @Test func notATarballIsRefused() throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let before = storeSnapshot()
        let result = swrun.run(["import", "-", "junk"], stdin: Data(repeating: 0x41, count: 4096))
        #expect(result.status != 0, "\(result)")
        #expect(storeSnapshot() == before)
    }

    @Test func missingFileIsRefused() {
        let result = swrun.run(["import", swrun.scratch + "/absent.tar"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("absent.tar"), "\(result)")
    }

    @Test func unknownChangeIsRefused() {
        let result = swrun.run(["import", "-c", "RUN rm -rf /", Self.busyboxTar, "nope"])
        #expect(result.status != 0, "\(result)")
        #expect(!swrun.run(["images"]).stdout.contains("nope"))
    }

    @Test(arguments: ["dotdot", "absolute", "symlink", "hardlink", "hardlink-absolute"])
    func hostileTarballIsRefused(kind: String) throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let outside = swrun.scratch + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let tar = try hostileTar(kind, outside: outside, kind: kind)
        let before = storeSnapshot()
        let passwdBefore = Host.read("/etc/passwd")
        let result = swrun.run(["import", tar, "hostile:" + kind])
        #expect(result.status != 0, "\(kind): \(result)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? ["?"]).isEmpty, "\(kind) wrote outside")
        #expect(!Host.exists(swrun.root + "/escape") && !Host.exists(swrun.base + "/escape"))
        #expect(Host.read("/etc/passwd") == passwdBefore)
        #expect(storeSnapshot() == before, "\(kind): store changed")
        #expect(!swrun.run(["images"]).stdout.contains("hostile"))
    }

    /// A rootfs whose /proc or /sys is a symlink could aim the kernel filesystems at
    /// the host: run refuses it.
    @Test(arguments: ["proc", "sys"])
    func rootfsWithASymlinkedKernelDirectoryIsRefused(name: String) throws {
        let base = swrun.scratch + "/symroot-" + name
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let tar = base + ".tar"
        #expect(Terminal.shell("tar -C \(base) -xf \(ImportTests.busyboxTar) && rm -rf \(base)/\(name) && ln -s /tmp \(base)/\(name) && tar -C \(base) -cf \(tar) .") == 0)
        #expect(swrun.run(["import", tar, "sym:" + name]).status == 0)
        let result = swrun.runRm(["sym:" + name, "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains("/\(name) is a symlink"), "\(result)")
    }
}
