import Testing
@testable import SwrunOCI
import SwrunOS

@Suite("Reference")
struct ReferenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: String
        let domain: String
        let path: String
        let tag: String?
        let digest: String?
        let familiar: String
        let full: String
        var testDescription: String { input }
    }

    static let hex = String(repeating: "ab", count: 32)

    static let valid: [Case] = [
        Case(input: "busybox", domain: "docker.io", path: "library/busybox", tag: "latest", digest: nil,
             familiar: "busybox:latest", full: "docker.io/library/busybox:latest"),
        Case(input: "library/busybox", domain: "docker.io", path: "library/busybox", tag: "latest", digest: nil,
             familiar: "busybox:latest", full: "docker.io/library/busybox:latest"),
        Case(input: "docker.io/busybox:1.36", domain: "docker.io", path: "library/busybox", tag: "1.36", digest: nil,
             familiar: "busybox:1.36", full: "docker.io/library/busybox:1.36"),
        Case(input: "index.docker.io/user/app:v2", domain: "docker.io", path: "user/app", tag: "v2", digest: nil,
             familiar: "user/app:v2", full: "docker.io/user/app:v2"),
        Case(input: "localhost:5000/a/b:tag", domain: "localhost:5000", path: "a/b", tag: "tag", digest: nil,
             familiar: "localhost:5000/a/b:tag", full: "localhost:5000/a/b:tag"),
        Case(input: "localhost/app", domain: "localhost", path: "app", tag: "latest", digest: nil,
             familiar: "localhost/app:latest", full: "localhost/app:latest"),
        Case(input: "host.example.com/x@sha256:\(hex)", domain: "host.example.com", path: "x", tag: nil,
             digest: "sha256:\(hex)", familiar: "host.example.com/x@sha256:\(hex)",
             full: "host.example.com/x@sha256:\(hex)"),
        Case(input: "debian:bookworm@sha256:\(hex)", domain: "docker.io", path: "library/debian", tag: "bookworm",
             digest: "sha256:\(hex)", familiar: "debian:bookworm@sha256:\(hex)",
             full: "docker.io/library/debian:bookworm@sha256:\(hex)"),
        Case(input: "my-org/my_app__x.y:1.0_rc-1", domain: "docker.io", path: "my-org/my_app__x.y", tag: "1.0_rc-1",
             digest: nil, familiar: "my-org/my_app__x.y:1.0_rc-1", full: "docker.io/my-org/my_app__x.y:1.0_rc-1"),
        Case(input: "[::1]:5000/img", domain: "[::1]:5000", path: "img", tag: "latest", digest: nil,
             familiar: "[::1]:5000/img:latest", full: "[::1]:5000/img:latest"),
    ]

    @Test("parses and normalises like docker", arguments: valid)
    func parses(_ c: Case) throws {
        let reference = try Reference(parsing: c.input)
        #expect(reference.domain == c.domain)
        #expect(reference.path == c.path)
        #expect(reference.tag == c.tag)
        #expect(reference.digest?.string == c.digest)
        #expect(reference.familiarName == c.familiar)
        #expect(reference.fullName == c.full)
        #expect(try Reference(parsing: reference.fullName) == reference)
    }

    @Test("familiar repository is the REPOSITORY column")
    func familiarRepository() throws {
        #expect(try Reference(parsing: "busybox").familiarRepository == "busybox")
        #expect(try Reference(parsing: "docker.io/library/a/b").familiarRepository == "library/a/b")
        #expect(try Reference(parsing: "localhost:5000/x:tag").familiarRepository == "localhost:5000/x")
        #expect(try Reference(parsing: "quay.io/a/b").familiarRepository == "quay.io/a/b")
    }

    @Test("rejects malformed references", arguments: [
        "", "Busybox", "busybox:", "a//b", "-abc", "abc-", "a..b", "busybox@sha256:abc", "busybox@md5:\(ReferenceTests.hex)",
        "bus box", "busybox:-tag", "busybox:" + String(repeating: "t", count: 129), "host:/x", ":tag",
        String(repeating: "a", count: 256),
    ])
    func rejects(_ input: String) {
        let error = #expect(throws: SwrunError.self) { try Reference(parsing: input) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix("invalid reference format: ") == true)
    }

    @Test("uppercase repository names say they must be lowercase")
    func uppercase() {
        #expect(throws: SwrunError(.invalidArgument, "invalid reference format: repository name (library/Busybox) must be lowercase")) {
            try Reference(parsing: "Busybox")
        }
    }
}
