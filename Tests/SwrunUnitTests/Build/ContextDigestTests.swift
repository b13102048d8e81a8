import Glibc
import Testing
@testable import SwrunBuild
import SwrunOS

@Suite("Context: the COPY cache digest")
struct ContextDigestTests {
    /// A context with a file, a nested directory and a symlink.
    func makeFixture() throws -> ContextFixture {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "app/main.txt", "main")
        try fixture.file(fixture.context, "app/lib/util.txt", "util", mode: 0o600)
        try fixture.symlink(fixture.context, "app/current", to: "lib")
        return fixture
    }

    @Test("the same inputs give the same sha256 digest")
    func stable() throws {
        let fixture = try makeFixture()
        let first = try fixture.digest(["app"])
        #expect(first.hasPrefix("sha256:") && first.count == 71)
        #expect(try fixture.digest(["app"]) == first)
    }

    @Test("touching a file keeps the digest")
    func mtimeIgnored() throws {
        let fixture = try makeFixture()
        let before = try fixture.digest(["app"])
        try fixture.setMtime(fixture.context, "app/main.txt", seconds: 42)
        try fixture.setMtime(fixture.context, "app/lib", seconds: 43)
        #expect(try fixture.digest(["app"]) == before)
    }

    @Test("a changed byte, mode bit, link target, name or new entry changes the digest")
    func changes() throws {
        let fixture = try makeFixture()
        var seen = Set([try fixture.digest(["app"])])
        func expectNew(_ comment: Comment) throws {
            #expect(seen.insert(try fixture.digest(["app"])).inserted, comment)
        }
        try fixture.file(fixture.context, "app/main.txt", "maim")
        try expectNew("one byte")
        guard chmod(fixture.context + "/app/main.txt", 0o755) == 0 else { throw SwrunError.system("chmod") }
        try expectNew("mode")
        unlink(fixture.context + "/app/current")
        try fixture.symlink(fixture.context, "app/current", to: "lib2")
        try expectNew("link target")
        guard rename(fixture.context + "/app/lib/util.txt", fixture.context + "/app/lib/util2.txt") == 0 else { throw SwrunError.system("rename") }
        try expectNew("name")
        try fixture.directory(fixture.context, "app/empty")
        try expectNew("new directory")
    }

    @Test("--chown and --chmod are part of the digest")
    func ownerAndMode() throws {
        let fixture = try makeFixture()
        let plain = try fixture.digest(["app"])
        #expect(try fixture.digest(["app"], chown: (0, 0)) == plain)
        #expect(try fixture.digest(["app"], chown: (1000, 1000)) != plain)
        #expect(try fixture.digest(["app"], chmod: 0o644) != plain)
    }

    @Test("what a wildcard matches is part of the digest")
    func wildcardNames() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "a.txt", "same")
        let before = try fixture.digest(["*.txt"])
        guard rename(fixture.context + "/a.txt", fixture.context + "/b.txt") == 0 else { throw SwrunError.system("rename") }
        #expect(try fixture.digest(["*.txt"]) != before)
    }

    @Test("ignored files are never hashed")
    func ignoredNotHashed() throws {
        let fixture = try makeFixture()
        try fixture.file(fixture.context, "app/debug.log", "one")
        let before = try fixture.digest(["app"], ignoring: "**/*.log\n")
        try fixture.file(fixture.context, "app/debug.log", "two")
        try fixture.file(fixture.context, "app/lib/more.log", "three")
        #expect(try fixture.digest(["app"], ignoring: "**/*.log\n") == before)
    }

    @Test("a file source and a directory source with the same contents differ")
    func fileVersusDirectory() throws {
        let fixture = try ContextFixture()
        try fixture.file(fixture.context, "x/f", "f")
        try fixture.file(fixture.context, "f", "f")
        #expect(try fixture.digest(["x"]) != fixture.digest(["f"]))
    }

    @Test("what --exclude leaves out is never hashed")
    func excludedNotHashed() throws {
        let fixture = try makeFixture()
        try fixture.file(fixture.context, "app/big.bin", "one")
        let before = try fixture.digest(["app"], exclude: ["*.bin"])
        try fixture.file(fixture.context, "app/big.bin", "two")
        #expect(try fixture.digest(["app"], exclude: ["*.bin"]) == before)
        #expect(try fixture.digest(["app"]) != before)
    }
}
