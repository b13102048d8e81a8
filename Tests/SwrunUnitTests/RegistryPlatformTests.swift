import Testing
@testable import SwrunOCI
@testable import SwrunOS
@testable import SwrunRegistry

@Suite("Registry platform selection")
struct RegistryPlatformTests {
    static func digest(_ n: Int) -> String { "sha256:" + String(repeating: String(n % 10), count: 64) }

    static func entry(_ n: Int, _ os: String, _ arch: String, _ variant: String? = nil, type: String = MediaType.ociManifest) -> String {
        let variantField = variant.map { #","variant":"\#($0)""# } ?? ""
        return #"{"mediaType":"\#(type)","digest":"\#(digest(n))","size":\#(100 + n),"platform":{"os":"\#(os)","architecture":"\#(arch)"\#(variantField)}}"#
    }

    static func index(_ entries: [String], mediaType: String = MediaType.ociIndex) -> [UInt8] {
        Array(#"{"schemaVersion":2,"mediaType":"\#(mediaType)","manifests":[\#(entries.joined(separator: ","))]}"#.utf8)
    }

    static let oci = index([
        entry(1, "unknown", "unknown"),
        entry(2, "linux", "arm", "v7"),
        entry(3, "linux", "arm64", "v8"),
        entry(4, "linux", "amd64"),
        entry(5, "linux", "amd64", "v3"),
        entry(6, "windows", "amd64"),
    ])

    @Test func picksAmd64WithoutVariant() throws {
        let chosen = try RegistryClient.selectPlatform(index: Self.oci, os: "linux", architecture: "amd64")
        #expect(chosen.digest.string == Self.digest(4))
        #expect(chosen.size == 104)
    }

    @Test func amd64VariantWhenAsked() throws {
        #expect(try RegistryClient.selectPlatform(index: Self.oci, architecture: "amd64", variant: "v3").digest.string == Self.digest(5))
    }

    @Test func arm64MatchesV8AndNoVariantAlike() throws {
        #expect(try RegistryClient.selectPlatform(index: Self.oci, architecture: "arm64").digest.string == Self.digest(3))
        #expect(try RegistryClient.selectPlatform(index: Self.oci, architecture: "aarch64", variant: "v8").digest.string == Self.digest(3))
        let plain = Self.index([Self.entry(7, "linux", "arm64", "v9"), Self.entry(8, "linux", "arm64")])
        #expect(try RegistryClient.selectPlatform(index: plain, architecture: "arm64").digest.string == Self.digest(8))
        #expect(try RegistryClient.selectPlatform(index: plain, architecture: "arm64", variant: "v8").digest.string == Self.digest(8))
    }

    @Test func unameNamesAreNormalised() throws {
        #expect(try RegistryClient.selectPlatform(index: Self.oci, architecture: "x86_64").digest.string == Self.digest(4))
    }

    @Test func dockerManifestList() throws {
        let list = Self.index([
            Self.entry(1, "linux", "amd64", type: MediaType.dockerManifest),
            Self.entry(2, "linux", "arm64", "v8", type: MediaType.dockerManifest),
        ], mediaType: MediaType.dockerManifestList)
        let chosen = try RegistryClient.selectPlatform(index: list, architecture: "arm64")
        #expect(chosen.digest.string == Self.digest(2))
        #expect(chosen.mediaType == MediaType.dockerManifest)
    }

    @Test func noMatchListsWhatIsAvailable() {
        let error = #expect(throws: SwrunError.self) {
            try RegistryClient.selectPlatform(index: Self.oci, architecture: "s390x")
        }
        #expect(error?.code == .notFound)
        #expect(error?.message == "no matching manifest for linux/s390x in the manifest list entries (available: linux/arm/v7, linux/arm64/v8, linux/amd64, linux/amd64/v3, windows/amd64)")
        let wrongVariant = #expect(throws: SwrunError.self) {
            try RegistryClient.selectPlatform(index: Self.oci, architecture: "arm", variant: "v6")
        }
        #expect(wrongVariant?.message.hasPrefix("no matching manifest for linux/arm/v6") == true)
    }

    @Test func malformedIndexIsCorrupt() {
        let error = #expect(throws: SwrunError.self) {
            try RegistryClient.selectPlatform(index: Array("{\"manifests\": 3}".utf8), architecture: "amd64")
        }
        #expect(error?.code == .corrupt)
    }
}
