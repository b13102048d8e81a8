import Foundation
import Testing
@testable import SwrunBuild
import SwrunOS

@Suite("Build: --secret and --ssh flags, ADD's URL names")
struct BuildSecretFlagsTests {
    @Test("a secret from a file, a variable, or by its id as buildx reads it")
    func secrets() throws {
        let file = NSTemporaryDirectory() + "swrun-secret-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.writeFile(file, "from file")
        defer { unlink(file) }
        let environment = ["TOKEN": "from env", "API": "by id"]
        #expect(try BuildSecretFlags.secret("id=a,src=" + file, environment: environment) == ("a", Array("from file".utf8)))
        #expect(try BuildSecretFlags.secret("id=a,source=" + file, environment: [:]).value == Array("from file".utf8))
        #expect(try BuildSecretFlags.secret("id=b,env=TOKEN", environment: environment) == ("b", Array("from env".utf8)))
        #expect(try BuildSecretFlags.secret("type=env,id=b,src=TOKEN", environment: environment).value == Array("from env".utf8))
        #expect(try BuildSecretFlags.secret("id=API", environment: environment).value == Array("by id".utf8))
        #expect(try BuildSecretFlags.secret("id=" + file, environment: [:]).value == Array("from file".utf8))
    }

    @Test("bad --secret values fail in buildx's words")
    func badSecrets() throws {
        let messages = [
            ("src=/x", "secret missing ID"),
            ("id=a,bogus", "invalid field 'bogus' must be a key=value pair"),
            ("id=a,type=ssh", "unsupported secret type \"ssh\""),
            ("id=a,mode=1", "unexpected key 'mode' in 'mode=1'"),
        ]
        for (spec, message) in messages {
            let error = try #require(throws: SwrunError.self) { try BuildSecretFlags.secret(spec, environment: [:]) }
            #expect(error.message == message)
        }
        let missing = try #require(throws: SwrunError.self) { try BuildSecretFlags.secret("id=a,src=/nonexistent/x", environment: [:]) }
        #expect(missing.message.hasPrefix("failed to stat /nonexistent/x"))
    }

    @Test("--ssh default takes SSH_AUTH_SOCK; only sockets are agents")
    func ssh() throws {
        let error = try #require(throws: SwrunError.self) { try BuildSecretFlags.ssh("default", environment: [:]) }
        #expect(error.message == "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set")
        let file = try #require(throws: SwrunError.self) { try BuildSecretFlags.ssh("default=/etc/hostname", environment: [:]) }
        #expect(file.message.contains("is not an agent socket"))
    }

    @Test("ADD names a fetched file after the URL's path", arguments: [
        ("http://example.com/a/b/file.tar.gz", "file.tar.gz"),
        ("https://example.com/dir/my%20file.txt?version=2#top", "my file.txt"),
        ("http://example.com/", "__unnamed__"),
        ("http://example.com", "__unnamed__"),
        ("http://example.com/dir/", "dir"),
    ])
    func urlNames(url: String, name: String) {
        #expect(BuildSession.fileName(of: url) == name)
    }

    @Test("Git URLs are not HTTP sources; Last-Modified dates parse")
    func sources() {
        #expect(BuildSession.isHTTPSource("https://example.com/file"))
        #expect(!BuildSession.isHTTPSource("https://github.com/moby/buildkit.git"))
        #expect(!BuildSession.isHTTPSource("https://github.com/moby/buildkit.git#v0.10.1"))
        #expect(!BuildSession.isHTTPSource("git@github.com:moby/buildkit.git"))
        #expect(BuildSession.httpDate("Tue, 14 Nov 2023 22:13:20 GMT") == 1_700_000_000)
        #expect(BuildSession.httpDate("yesterday") == nil)
    }
}
