import Foundation
import Testing
@testable import SwrunOS
@testable import SwrunRegistry

@Suite("Registry config and schemes")
struct RegistryConfigTests {
    @Test(arguments: [
        ("localhost", "http"), ("localhost:5000", "http"), ("127.0.0.1", "http"), ("127.0.0.1:5000", "http"),
        ("127.1.2.3:80", "http"), ("[::1]", "http"), ("[::1]:5000", "http"),
        ("docker.io", "https"), ("registry-1.docker.io", "https"), ("quay.io", "https"), ("10.1.2.3:5000", "https"),
        ("128.0.0.1:5000", "https"), ("localhost.example.com", "https"), ("[::2]:5000", "https"),
    ])
    func defaultSchemes(host: String, scheme: String) {
        #expect(RegistryConfig().scheme(for: host) == scheme)
    }

    @Test func insecureEntriesMatchExactlyOrByCIDR() {
        let config = RegistryConfig(insecureRegistries: ["myregistry:5000", "plainhost", "10.0.0.0/8", "192.168.1.0/24", "fd00::/8"])
        #expect(config.scheme(for: "myregistry:5000") == "http")
        #expect(config.scheme(for: "myregistry") == "https")
        #expect(config.scheme(for: "myregistry:5001") == "https")
        #expect(config.scheme(for: "plainhost") == "http")
        #expect(config.scheme(for: "10.200.3.4:5000") == "http")
        #expect(config.scheme(for: "10.200.3.4") == "http")
        #expect(config.scheme(for: "11.0.0.1:5000") == "https")
        #expect(config.scheme(for: "192.168.1.77") == "http")
        #expect(config.scheme(for: "192.168.2.77") == "https")
        #expect(config.scheme(for: "[fd12::1]:5000") == "http")
        #expect(config.scheme(for: "[fe80::1]:5000") == "https")
    }

    @Test func cidrEdges() {
        #expect(CIDRBlock("0.0.0.0/0")?.contains("8.8.8.8") == true)
        #expect(CIDRBlock("10.1.2.3/32")?.contains("10.1.2.3") == true)
        #expect(CIDRBlock("10.1.2.3/32")?.contains("10.1.2.4") == false)
        #expect(CIDRBlock("172.16.0.0/12")?.contains("172.31.255.255") == true)
        #expect(CIDRBlock("172.16.0.0/12")?.contains("172.32.0.0") == false)
        #expect(CIDRBlock("10.0.0.0/8")?.contains("fd00::1") == false)
        #expect(CIDRBlock("10.0.0.0/33") == nil)
        #expect(CIDRBlock("host/8") == nil)
        #expect(CIDRBlock("10.0.0.0") == nil)
    }

    @Test func dockerHubMapsToItsAPIHost() {
        #expect(RegistryConfig.apiHost(for: "docker.io") == "registry-1.docker.io")
        #expect(RegistryConfig.apiHost(for: "index.docker.io") == "registry-1.docker.io")
        #expect(RegistryConfig.apiHost(for: "quay.io") == "quay.io")
        #expect(RegistryConfig.apiHost(for: "localhost:5000") == "localhost:5000")
    }

    @Test func mirrorsApplyToDockerHubOnlyAndComeFirst() {
        let config = RegistryConfig(registryMirrors: ["https://mirror.example.com/", "http://10.0.0.5:5000"])
        let hub = config.endpoints(for: "docker.io")
        #expect(hub.map(\.base) == ["https://mirror.example.com", "http://10.0.0.5:5000", "https://registry-1.docker.io"])
        #expect(hub.map(\.isMirror) == [true, true, false])
        #expect(config.endpoints(for: "quay.io").map(\.base) == ["https://quay.io"])
        #expect(config.endpoints(for: "localhost:5000").map(\.base) == ["http://localhost:5000"])
    }

    @Test func credentialsNeverGoOverPlainHTTPToRemoteHosts() {
        let config = RegistryConfig(insecureRegistries: ["lan:5000"])
        #expect(config.allowsCredentials(scheme: "https", host: "anything"))
        #expect(config.allowsCredentials(scheme: "http", host: "127.0.0.1:5000"))
        #expect(config.allowsCredentials(scheme: "http", host: "lan:5000"))
        #expect(!config.allowsCredentials(scheme: "http", host: "evil.example.com"))
    }

    @Test func loadsDaemonJSONAndIgnoresOtherKeys() throws {
        let path = FileManager.default.temporaryDirectory.path + "/swrun-regconfig-\(UUID().uuidString).json"
        defer { unlink(path) }
        try FileIO.writeFile(path, #"{"debug": true, "insecure-registries": ["a:5000"], "registry-mirrors": ["https://m"]}"#)
        let config = try RegistryConfig.load(path: path)
        #expect(config == RegistryConfig(
            insecureRegistries: ["a:5000"], registryMirrors: ["https://m"], certificatesDirectory: FileIO.parentPath(path) + "/certs.d"))
    }

    @Test func missingFileIsDefaultsMalformedIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.path + "/swrun-regconfig-\(UUID().uuidString).json"
        defer { unlink(path) }
        #expect(try RegistryConfig.load(path: path) == RegistryConfig(certificatesDirectory: FileIO.parentPath(path) + "/certs.d"))
        try FileIO.writeFile(path, #"{"insecure-registries": "notalist"}"#)
        let error = #expect(throws: SwrunError.self) { try RegistryConfig.load(path: path) }
        #expect(error?.message.contains("registry config \(path): invalid JSON") == true)
        try FileIO.writeFile(path, #"{"registry-mirrors": ["mirror.example.com"]}"#)
        let mirrorError = #expect(throws: SwrunError.self) { try RegistryConfig.load(path: path) }
        #expect(mirrorError?.message.contains("invalid registry mirror mirror.example.com") == true)
    }

    @Test("certs.d/<host>/*.crt: trusted CAs for that registry, and HTTPS even on loopback")
    func certificatesDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/swrun-certs-\(UUID().uuidString)"
        defer { try? FileIO.removeTree(directory) }
        try FileIO.makeDirectories(directory + "/certs.d/127.0.0.1:5443")
        try FileIO.writeFile(directory + "/certs.d/127.0.0.1:5443/b.crt", "x")
        try FileIO.writeFile(directory + "/certs.d/127.0.0.1:5443/a.crt", "x")
        try FileIO.writeFile(directory + "/certs.d/127.0.0.1:5443/client.key", "x")
        let config = try RegistryConfig.load(path: directory + "/config.json")
        #expect(config.caCertificates(for: "127.0.0.1:5443") == ["a.crt", "b.crt"].map { directory + "/certs.d/127.0.0.1:5443/" + $0 })
        #expect(config.scheme(for: "127.0.0.1:5443") == "https")
        #expect(config.scheme(for: "127.0.0.1:5000") == "http")
        #expect(config.caCertificates(for: "../etc").isEmpty)
    }
}
