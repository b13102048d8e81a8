import Glibc
import Testing
@testable import SwrunBuild
import SwrunDockerfile
import SwrunLayer
import SwrunOS

@Suite("Context: resolving COPY sources")
struct ContextResolveTests {
    @Test("names resolve relative to the root; .. and a leading / stay inside the context")
    func namesStayInside() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "a.txt", "a")
        try fixture.file(fixture.context, "dir/b.txt", "b")
        let context = try fixture.buildContext()
        #expect(try context.resolve(["a.txt", "./dir", "../../a.txt", "/dir/../a.txt", "."]) == [
            ContextSource(path: "a.txt", isDirectory: false),
            ContextSource(path: "dir", isDirectory: true),
            ContextSource(path: "a.txt", isDirectory: false),
            ContextSource(path: "a.txt", isDirectory: false),
            ContextSource(path: ".", isDirectory: true),
        ])
    }

    @Test("a missing source fails in BuildKit's words")
    func missingSource() throws {
        let fixture = try ContextFixture()
        let context = try fixture.buildContext()
        let error = try #require(throws: SwrunError.self) { try context.resolve(["../nope/x.txt"]) }
        #expect(error.message.hasPrefix("failed to compute cache key: failed to calculate checksum of ref "))
        #expect(error.message.hasSuffix(": \"/nope/x.txt\": not found"))
    }

    @Test("wildcards match per component, in lexical order; no match is no source")
    func wildcards() throws {
        let fixture = try ContextFixture()
        for path in ["b.txt", "a.txt", "c.md", "sub/c.txt", "sub/d.txt", "other/c.txt"] { try fixture.file(fixture.context, path) }
        let context = try fixture.buildContext()
        #expect(try context.resolve(["*.txt"]).map(\.path) == ["a.txt", "b.txt"])
        #expect(try context.resolve(["*/c.txt"]).map(\.path) == ["other/c.txt", "sub/c.txt"])
        #expect(try context.resolve(["sub/[c]*"]).map(\.path) == ["sub/c.txt"])
        #expect(try context.resolve(["s?b"]) == [ContextSource(path: "sub", isDirectory: true)])
        #expect(try context.resolve(["*.none"]).isEmpty)
    }

    @Test(".dockerignore'd files are never found, by name or by wildcard; exceptions are")
    func ignoredFiles() throws {
        let fixture = try ContextFixture()
        for path in ["keep.txt", "secret.txt", "logs/a.log", "logs/keep.log"] { try fixture.file(fixture.context, path) }
        let context = try fixture.buildContext(ignoring: "secret.txt\nlogs\n!logs/keep.log\n")
        #expect(throws: SwrunError.self) { try context.resolve(["secret.txt"]) }
        #expect(throws: SwrunError.self) { try context.resolve(["logs/a.log"]) }
        #expect(try context.resolve(["*.txt"]).map(\.path) == ["keep.txt"])
        #expect(try context.resolve(["logs/keep.log"]).map(\.path) == ["logs/keep.log"])
    }

    @Test("symlinks are followed inside the context, never out of it")
    func symlinks() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "real/file.txt", "x")
        try fixture.symlink(fixture.context, "link", to: "real")
        try fixture.symlink(fixture.context, "abs", to: "/real/file.txt")
        try fixture.symlink(fixture.context, "out", to: "../../../../etc/hostname")
        let context = try fixture.buildContext()
        #expect(try context.resolve(["link", "link/file.txt", "abs"]) == [
            ContextSource(path: "link", isDirectory: true),
            ContextSource(path: "link/file.txt", isDirectory: false),
            ContextSource(path: "abs", isDirectory: false),
        ])
        #expect(throws: SwrunError.self) { try context.resolve(["out"]) }
    }

    @Test("a Dockerfile's own .dockerignore wins over the context's")
    func dockerfileIgnore() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "a.txt")
        try fixture.file(fixture.context, "b.txt")
        try fixture.file(fixture.context, ".dockerignore", "a.txt\n")
        try fixture.file(fixture.context, "build/Dockerfile.dev", "FROM scratch\n")
        try fixture.file(fixture.context, "build/Dockerfile.dev.dockerignore", "b.txt\n")
        let plain = try BuildContext.directory(fixture.context, dockerfile: fixture.context + "/Dockerfile")
        #expect(plain.ignore.excludes("a.txt") && !plain.ignore.excludes("b.txt"))
        let dev = try BuildContext.directory(fixture.context, dockerfile: fixture.context + "/build/Dockerfile.dev")
        #expect(dev.ignore.excludes("b.txt") && !dev.ignore.excludes("a.txt"))
    }

    @Test("a missing context directory fails as docker says")
    func missingContext() throws {
        let fixture = try ContextFixture()
        let error = try #require(throws: SwrunError.self) { try BuildContext.directory(fixture.base + "/none", dockerfile: nil) }
        #expect(error.message == "unable to prepare context: path \"\(fixture.base)/none\" not found")
    }

    @Test("a context tar on an fd is unpacked into the scratch directory, .dockerignore read from it")
    func tarContext() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "app/main.txt", "main")
        try fixture.file(fixture.context, ".dockerignore", "app/skip\n")
        let tarPath = fixture.base + "/context.tar"
        let output = open(tarPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        _ = try LayerWriter.writeMerged(layers: [fixture.context], to: output)
        close(output)
        let input = open(tarPath, O_RDONLY | O_CLOEXEC)
        defer { close(input) }
        let context = try BuildContext.tar(fd: input, scratch: fixture.base + "/scratch")
        #expect(context.root == fixture.base + "/scratch")
        #expect(try FileIO.readString(context.root + "/app/main.txt") == "main")
        #expect(context.ignore.excludes("app/skip"))
    }

    @Test("a context tar is unpacked hardened: an entry leaving the scratch directory fails")
    func hostileTarContext() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.base, "outside.txt", "x")
        // -P keeps the "../" the entry's name starts with.
        try FileIO.runChecked("/usr/bin/tar", ["-C", fixture.context, "-cPf", fixture.base + "/evil.tar", "../outside.txt"])
        let input = open(fixture.base + "/evil.tar", O_RDONLY | O_CLOEXEC)
        defer { close(input) }
        #expect(throws: SwrunError.self) { try BuildContext.tar(fd: input, scratch: fixture.base + "/scratch/ctx") }
        #expect(!fixture.exists(fixture.base, "scratch/outside.txt"))
    }
}
