import SwrunOS
import Testing
import SwrunDockerfile

/// .dockerignore as moby/patternmatcher and its ignorefile reader apply it.
@Suite("DockerfileIgnore")
struct DockerfileIgnoreTests {
    func ignore(_ text: String) throws -> IgnorePatterns { try IgnorePatterns(parsing: text) }

    @Test func readingTheFile() throws {
        #expect(try ignore("").isEmpty)
        #expect(try ignore("# comment\n\n   \n").isEmpty)
        let patterns = try ignore("\u{FEFF}/build\n  # not a comment, a pattern\r\n./docs/../tmp/\n")
        #expect(!patterns.isEmpty)
        #expect(patterns.excludes("build") && patterns.excludes("build/x.o"))
        #expect(patterns.excludes("tmp/a") && !patterns.excludes("docs/a"))
        #expect(patterns.excludes("# not a comment, a pattern"))
    }

    @Test(arguments: [
        // pattern, path, excluded
        ("*.md", "README.md", true),
        ("*.md", "docs/guide.md", false),
        ("**/*.md", "docs/guide.md", true),
        ("**/*.md", "README.md", true),
        ("docs", "docs/a/b.txt", true),
        ("docs/*", "docs", false),
        ("docs/*", "docs/a/b.txt", true),
        ("*/temp*", "somedir/temporary.txt", true),
        ("*/*/temp*", "somedir/subdir/temporary.txt", true),
        ("temp?", "temp1", true),
        ("temp?", "temp12", false),
        ("[a-c].txt", "b.txt", true),
        ("[a-c].txt", "d.txt", false),
        ("[^a-c].txt", "d.txt", true),
        ("\\*.txt", "*.txt", true),
        ("\\*.txt", "a.txt", false),
        ("**", "anything/at/all", true),
        ("a/**", "a/b/c", true),
        ("a/**", "a", false),
        ("a/**", "ab/c", false),
        ("**/foo", "foo", true),
        ("**/foo", "x/y/foo", true),
        ("**/foo", "xfoo", false),
        ("**/foo", "x/foo/bar", true),
        ("a/**/b", "a/b", true),
        ("a/**/b", "a/x/y/b", true),
        ("a/**/b", "a/xb", false),
        ("a/**/b/*.go", "a/x/b/main.go", true),
        ("node_modules", "node_modules", true),
        ("node_modules", "src/node_modules", false),
        ("/abs/path", "abs/path", true),
        ("foo/../bar", "bar", true),
        (".git", ".gitignore", false),
    ])
    func singlePatterns(_ pattern: String, _ path: String, _ excluded: Bool) throws {
        #expect(try ignore(pattern).excludes(path) == excluded, "\(pattern) \(path)")
    }

    @Test func exceptionsAndLastMatchWins() throws {
        let patterns = try ignore("*.md\n!README*.md\nREADME-secret.md\n")
        #expect(patterns.excludes("CHANGES.md"))
        #expect(!patterns.excludes("README.md"))
        #expect(patterns.excludes("README-secret.md"))
        let directory = try ignore("docs\n!docs/keep.txt\n")
        #expect(directory.excludes("docs") && directory.excludes("docs/other.txt"))
        #expect(!directory.excludes("docs/keep.txt"))
        let everything = try ignore("*\n!src\n!Dockerfile\n")
        #expect(everything.excludes("go.mod") && !everything.excludes("src/main.go") && !everything.excludes("Dockerfile"))
    }

    @Test func exceptionsUnderExcludedDirectories() throws {
        let patterns = try ignore("node_modules\nbuild\n!node_modules/keep/**\n")
        #expect(patterns.hasExceptions(under: "node_modules"))
        #expect(patterns.hasExceptions(under: "node_modules/keep"))
        #expect(!patterns.hasExceptions(under: "build"))
        #expect(!patterns.hasExceptions(under: "node_modules/other"))
        let wildcard = try ignore("vendor\n!**/*.go\n")
        #expect(wildcard.hasExceptions(under: "vendor/x"))
        let none = try ignore("vendor\n")
        #expect(!none.hasExceptions(under: "vendor"))
        let star = try ignore("a\n!*/keep\n")
        #expect(star.hasExceptions(under: "a") && !star.hasExceptions(under: "a/b"))
    }

    @Test func badPatterns() {
        #expect(throws: SwrunError(.invalidArgument, "syntax error in pattern: \"[\"")) { try IgnorePatterns(parsing: "ok\n[\n") }
        #expect(throws: SwrunError(.invalidArgument, "syntax error in pattern: \"a\\\\\"")) { try IgnorePatterns(parsing: "a\\") }
        #expect(throws: SwrunError(.invalidArgument, "illegal exclusion pattern: \"!\"")) { try IgnorePatterns(parsing: "!\n") }
    }
}
