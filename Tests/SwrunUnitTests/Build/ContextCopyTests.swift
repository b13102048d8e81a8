import Glibc
import Testing
@testable import SwrunBuild
import SwrunDockerfile
import SwrunLayer
import SwrunOS

@Suite("Context: COPY into a layer directory", .enabled(if: getuid() == 0, "sets owners"))
struct ContextCopyTests {
    @Test("a file keeps its mode and mtime, belongs to root, lands in a directory destination")
    func fileIntoDirectory() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "run.sh", "#!/bin/sh\n", mode: 0o4751)
        // chown first: it clears the setuid bit.
        guard chown(fixture.context + "/run.sh", 1234, 5678) == 0, chmod(fixture.context + "/run.sh", 0o4751) == 0 else {
            throw SwrunError.system("chown")
        }
        try fixture.setMtime(fixture.context, "run.sh", seconds: 1_000_000)
        try fixture.copy(["run.sh"], to: "/usr/local/bin/")
        let info = try fixture.stat(fixture.upper, "usr/local/bin/run.sh")
        #expect(info.st_mode & 0o7777 == 0o4751)
        #expect(info.st_uid == 0 && info.st_gid == 0)
        #expect(info.st_mtim.tv_sec == 1_000_000)
        #expect(try fixture.read(fixture.upper, "usr/local/bin/run.sh") == "#!/bin/sh\n")
        let parent = try fixture.stat(fixture.upper, "usr/local")
        #expect(parent.st_mode & 0o7777 == 0o755 && parent.st_uid == 0)
    }

    @Test("a destination without a trailing slash names the copy; a relative one is below WORKDIR")
    func fileDestinations() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "a.txt", "a")
        try fixture.copy(["a.txt"], to: "/etc/renamed.conf")
        try fixture.copy(["a.txt"], to: "sub/", workdir: "/app")
        try fixture.copy(["a.txt"], to: ".", workdir: "/work")
        #expect(try fixture.tree(fixture.upper) == [
            "app/", "app/sub/", "app/sub/a.txt", "etc/", "etc/renamed.conf", "work/", "work/a.txt",
        ])
    }

    @Test("several sources make the destination a directory")
    func severalSources() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "a.txt", "a")
        try fixture.file(fixture.context, "b.txt", "b")
        try fixture.copy(["*.txt"], to: "/out")
        #expect(try fixture.tree(fixture.upper) == ["out/", "out/a.txt", "out/b.txt"])
    }

    @Test("a directory copies its contents; symlinks stay symlinks; hard links stay linked")
    func directoryContents() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "src/app/main.txt", "main")
        try fixture.directory(fixture.context, "src/app/empty", mode: 0o700)
        try fixture.symlink(fixture.context, "src/app/link", to: "/etc/passwd")
        guard link(fixture.context + "/src/app/main.txt", fixture.context + "/src/app/hard.txt") == 0 else { throw SwrunError.system("link") }
        try fixture.setMtime(fixture.context, "src/app", seconds: 2_000_000)
        try fixture.copy(["src"], to: "/opt/dest")
        #expect(try fixture.tree(fixture.upper) == [
            "opt/", "opt/dest/", "opt/dest/app/", "opt/dest/app/empty/", "opt/dest/app/hard.txt", "opt/dest/app/link", "opt/dest/app/main.txt",
        ])
        #expect(try FileIO.readLink(fixture.upper + "/opt/dest/app/link") == "/etc/passwd")
        #expect(try fixture.stat(fixture.upper, "opt/dest/app/empty").st_mode & 0o7777 == 0o700)
        #expect(try fixture.stat(fixture.upper, "opt/dest/app").st_mtim.tv_sec == 2_000_000)
        #expect(try fixture.stat(fixture.upper, "opt/dest/app/hard.txt").st_ino == fixture.stat(fixture.upper, "opt/dest/app/main.txt").st_ino)
    }

    @Test("--chown and --chmod apply to every file and directory copied, and to the new parents, as BuildKit")
    func chownAndChmod() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "dir/sub/a.txt", "a", mode: 0o600)
        try fixture.copy(["dir"], to: "/new/dest/", chown: (1000, 1001), chmod: 0o640)
        for path in ["new/dest/sub", "new/dest/sub/a.txt"] {
            let info = try fixture.stat(fixture.upper, path)
            #expect(info.st_uid == 1000 && info.st_gid == 1001, "\(path)")
            #expect(info.st_mode & 0o7777 == 0o640, "\(path)")
        }
        // moby/buildkit#4945: new parents get --chmod's mode too.
        let parent = try fixture.stat(fixture.upper, "new")
        #expect(parent.st_uid == 1000 && parent.st_gid == 1001 && parent.st_mode & 0o7777 == 0o640)
        try fixture.copy(["dir"], to: "/plain/dest/")
        #expect(try fixture.stat(fixture.upper, "plain").st_mode & 0o7777 == 0o755)
    }

    @Test(".dockerignore'd files are never copied; an exception brings back only itself")
    func ignoredNotCopied() throws {
        let fixture = try ContextFixture()
        for path in ["a.txt", "secret.key", "logs/x.log", "logs/keep.log", "logs/deep/y.log", "logs/deep/z.keep", "logs/empty/y.log",
                     "node_modules/m/index.js"] {
            try fixture.file(fixture.context, path)
        }
        try fixture.copy(["."], to: "/app/", ignoring: "*.key\nnode_modules\nlogs\n!logs/keep.log\n!logs/deep/*.keep\n")
        #expect(try fixture.tree(fixture.upper) == [
            "app/", "app/a.txt", "app/logs/", "app/logs/deep/", "app/logs/deep/z.keep", "app/logs/keep.log",
        ])
    }

    @Test("the image's parent directories are created with the image's mode, owner and times")
    func imageParents() throws {
        let fixture = try ContextFixture()
        try fixture.directory(fixture.lower, "usr", mode: 0o750, owner: (7, 8))
        try fixture.directory(fixture.lower, "usr/share", mode: 0o2775, owner: (9, 10))
        try fixture.setMtime(fixture.lower, "usr/share", seconds: 3_000_000)
        try fixture.file(fixture.context, "a.txt", "a")
        try fixture.copy(["a.txt"], to: "/usr/share/new/", image: try fixture.image())
        let usr = try fixture.stat(fixture.upper, "usr")
        #expect(usr.st_mode & 0o7777 == 0o750 && usr.st_uid == 7 && usr.st_gid == 8)
        let share = try fixture.stat(fixture.upper, "usr/share")
        #expect(share.st_mode & 0o7777 == 0o2775 && share.st_uid == 9 && share.st_gid == 10)
        #expect(share.st_mtim.tv_sec == 3_000_000)
        let new = try fixture.stat(fixture.upper, "usr/share/new")
        #expect(new.st_mode & 0o7777 == 0o755 && new.st_uid == 0)
    }

    @Test("an existing image directory stays a directory; its own metadata is kept")
    func existingImageDirectory() throws {
        let fixture = try ContextFixture()
        try fixture.directory(fixture.lower, "app", mode: 0o711, owner: (3, 4))
        try fixture.file(fixture.context, "a.txt", "a")
        try fixture.file(fixture.context, "src/b.txt", "b")
        let image = try fixture.image()
        try fixture.copy(["a.txt"], to: "/app", image: image)
        try fixture.copy(["src"], to: "/app", image: image)
        #expect(try fixture.tree(fixture.upper) == ["app/", "app/a.txt", "app/b.txt"])
        let app = try fixture.stat(fixture.upper, "app")
        #expect(app.st_mode & 0o7777 == 0o711 && app.st_uid == 3)
    }

    @Test("symlinks of the image on the destination path are followed inside the image")
    func imageSymlinks() throws {
        let fixture = try ContextFixture()
        try fixture.directory(fixture.lower, "usr/lib")
        try fixture.symlink(fixture.lower, "lib", to: "usr/lib")
        try fixture.symlink(fixture.lower, "usr/lib/escape", to: "../../../../../tmp")
        try fixture.file(fixture.context, "a.so", "so")
        let image = try fixture.image()
        try fixture.copy(["a.so"], to: "/lib/", image: image)
        try fixture.copy(["a.so"], to: "/usr/lib/escape/", image: image)
        #expect(try fixture.tree(fixture.upper) == ["tmp/", "tmp/a.so", "usr/", "usr/lib/", "usr/lib/a.so"])
    }

    @Test("a file over an image directory, or a directory over an image file, fails as BuildKit")
    func typeConflicts() throws {
        let fixture = try ContextFixture()
        try fixture.directory(fixture.lower, "dest/sub")
        try fixture.file(fixture.lower, "dest/file.txt")
        try fixture.file(fixture.context, "src/sub", "now a file")
        try fixture.directory(fixture.context, "other/file.txt")
        let image = try fixture.image()
        let file = try #require(throws: SwrunError.self) { try fixture.copy(["src"], to: "/dest/", image: image) }
        #expect(file.message == "cannot replace to directory /dest/sub with file")
        let directory = try #require(throws: SwrunError.self) { try fixture.copy(["other"], to: "/dest/", image: image) }
        #expect(directory.message == "cannot copy to non-directory: /dest/file.txt")
    }

    @Test("the upper dir holds no whiteouts and becomes a layer; .wh. names are refused")
    func upperBecomesLayer() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "app/a.txt", "a")
        try fixture.copy(["app"], to: "/app")
        let output = open(fixture.base + "/layer.tar", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(output) }
        let digests = try LayerWriter.writeDiff(directory: fixture.upper, to: output)
        #expect(digests.uncompressedSize > 0)
        try fixture.file(fixture.context, "bad/.wh.secret")
        let error = try #require(throws: SwrunError.self) { try fixture.copy(["bad"], to: "/bad") }
        #expect(error.message.contains(".wh."))
    }

    @Test("a large file is copied byte for byte")
    func largeFile() throws {
        let fixture = try ContextFixture()
        var bytes = [UInt8](repeating: 0, count: 5 << 20)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        try FileIO.writeFile(fixture.context + "/big.bin", bytes: bytes)
        try fixture.copy(["big.bin"], to: "/big.bin")
        #expect(try FileIO.readFile(fixture.upper + "/big.bin") == bytes)
    }

    @Test("--exclude leaves out what it matches below each directory source, as BuildKit's tests")
    func excludePatterns() throws {
        let fixture = try ContextFixture()
        for path in ["dir1/a.png", "dir1/b.txt", "dir2/c.pdf", "dir2/d.png", "dir3/e.mp3", "dir3/f.mpeg", "top.png"] {
            try fixture.file(fixture.context, path)
        }
        try fixture.copy(["."], to: "/1", exclude: ["*/*.png"])
        try fixture.copy(["dir*", "top.png"], to: "/2/", exclude: ["*.mp3", "*.png", "dir2"])
        #expect(try fixture.tree(fixture.upper) == [
            "1/", "1/dir1/", "1/dir1/b.txt", "1/dir2/", "1/dir2/c.pdf", "1/dir3/", "1/dir3/e.mp3", "1/dir3/f.mpeg", "1/top.png",
            "2/", "2/b.txt", "2/c.pdf", "2/f.mpeg", "2/top.png",
        ])
    }
}
