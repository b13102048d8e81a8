import Testing
import SwrunDigest
@testable import SwrunOCI
import SwrunOS

@Suite("Digest")
struct DigestTests {
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test("parses sha256:<64 lowercase hex>")
    func parses() throws {
        let digest = try Digest(parsing: "sha256:" + Self.emptySHA256)
        #expect(digest.algorithm == "sha256")
        #expect(digest.hex == Self.emptySHA256)
        #expect(digest.string == "sha256:" + Self.emptySHA256)
        #expect(digest.short == "e3b0c44298fc")
        #expect(try Digest(sha256Hex: Self.emptySHA256) == digest)
    }

    @Test("rejects malformed digests", arguments: [
        "", "sha256:", "sha256:abc", DigestTests.emptySHA256, "sha256:" + DigestTests.emptySHA256.uppercased(),
        "sha512:" + DigestTests.emptySHA256, "sha256:" + DigestTests.emptySHA256 + "0", "sha256:" + String(repeating: "g", count: 64),
    ])
    func rejects(_ text: String) {
        #expect(throws: SwrunError.self) { try Digest(parsing: text) }
    }

    @Test("sha256 of bytes, whole or in pieces")
    func hashes() {
        #expect(Digest.sha256(of: [UInt8]()).hex == Self.emptySHA256)
        #expect(Digest.sha256(of: Array("abc".utf8)).hex
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var hasher = DigestHasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8)[...])
        #expect(hasher.finalize() == Digest.sha256(of: Array("abc".utf8)))
    }

    @Test("encodes as a JSON string")
    func codable() throws {
        let digest = Digest.sha256(of: [1, 2, 3])
        let json = try OCIJSON.encode([digest])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(digest.string)\"]")
        #expect(try OCIJSON.decode([Digest].self, from: json, what: "test") == [digest])
        #expect(throws: SwrunError.self) { try OCIJSON.decode([Digest].self, from: Array("[\"sha256:x\"]".utf8), what: "test") }
    }
}
