import Foundation
import Testing
@testable import SwrunOS
@testable import SwrunRegistry

@Suite("Registry credential store")
struct RegistryCredentialStoreTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.path + "/swrun-creds-\(UUID().uuidString)/sub/auth.json"
    }

    @Test func roundTripWithPrivateModes() throws {
        let path = Self.temporaryPath()
        defer { try? FileIO.removeTree(FileIO.parentPath(FileIO.parentPath(path))) }
        let store = CredentialStore(path: path)
        #expect(try store.credentials(for: "localhost:5000") == nil)
        try store.set(host: "localhost:5000", username: "user", password: "p:a:ss")
        #expect(try store.credentials(for: "localhost:5000") == Credentials(username: "user", password: "p:a:ss"))
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(stat(FileIO.parentPath(path), &st) == 0)
        #expect(st.st_mode & 0o077 == 0)
        let document = try JSONSerialization.jsonObject(with: Data(FileIO.readFile(path))) as? [String: Any]
        let entry = (document?["auths"] as? [String: Any])?["localhost:5000"] as? [String: Any]
        #expect(entry?["auth"] as? String == Data("user:p:a:ss".utf8).base64EncodedString())
        #expect(try store.remove(host: "localhost:5000"))
        #expect(try !store.remove(host: "localhost:5000"))
        #expect(try store.credentials(for: "localhost:5000") == nil)
    }

    @Test func unknownKeysArePreserved() throws {
        let path = Self.temporaryPath()
        defer { try? FileIO.removeTree(FileIO.parentPath(FileIO.parentPath(path))) }
        try FileIO.makeDirectories(FileIO.parentPath(path))
        try FileIO.writeFile(path, #"{"credHelpers": {"gcr.io": "gcloud"}, "auths": {"quay.io": {"auth": "YTpi", "email": "x@y"}}}"#)
        let store = CredentialStore(path: path)
        try store.set(host: "localhost:5000", username: "u", password: "p")
        try store.set(host: "quay.io", username: "c", password: "d")
        let document = try JSONSerialization.jsonObject(with: Data(FileIO.readFile(path))) as? [String: Any]
        #expect((document?["credHelpers"] as? [String: String]) == ["gcr.io": "gcloud"])
        let quay = (document?["auths"] as? [String: Any])?["quay.io"] as? [String: Any]
        #expect(quay?["email"] as? String == "x@y")
        #expect(try store.credentials(for: "quay.io") == Credentials(username: "c", password: "d"))
        #expect(try store.credentials(for: "localhost:5000") == Credentials(username: "u", password: "p"))
    }

    @Test func dockerHubAliases() throws {
        let path = Self.temporaryPath()
        defer { try? FileIO.removeTree(FileIO.parentPath(FileIO.parentPath(path))) }
        try FileIO.makeDirectories(FileIO.parentPath(path))
        try FileIO.writeFile(path, #"{"auths": {"https://index.docker.io/v1/": {"auth": "\#(Data("old:pw".utf8).base64EncodedString())"}}}"#)
        let store = CredentialStore(path: path)
        #expect(try store.credentials(for: "docker.io") == Credentials(username: "old", password: "pw"))
        #expect(try store.credentials(for: "index.docker.io") == Credentials(username: "old", password: "pw"))
        try store.set(host: "index.docker.io", username: "new", password: "pw2")
        let auths = (try JSONSerialization.jsonObject(with: Data(FileIO.readFile(path))) as? [String: Any])?["auths"] as? [String: Any]
        #expect(auths?["docker.io"] != nil)
        #expect(try store.credentials(for: "docker.io") == Credentials(username: "new", password: "pw2"))
        #expect(try store.remove(host: "docker.io"))
        #expect(try store.credentials(for: "docker.io") == nil)
    }

    @Test func pathPrecedence() {
        #expect(CredentialStore(path: "/x/a.json", environment: ["REGISTRY_AUTH_FILE": "/y", "HOME": "/h"]).path == "/x/a.json")
        #expect(CredentialStore(environment: ["REGISTRY_AUTH_FILE": "/y/auth.json", "HOME": "/h"]).path == "/y/auth.json")
        #expect(CredentialStore(environment: ["HOME": "/h"]).path == "/h/.config/swrun/auth.json")
    }

    @Test func malformedFileIsAClearError() throws {
        let path = Self.temporaryPath()
        defer { try? FileIO.removeTree(FileIO.parentPath(FileIO.parentPath(path))) }
        try FileIO.makeDirectories(FileIO.parentPath(path))
        try FileIO.writeFile(path, "{not json")
        let error = #expect(throws: SwrunError.self) { try CredentialStore(path: path).credentials(for: "x") }
        #expect(error?.message == "credentials \(path): invalid JSON")
    }
}
