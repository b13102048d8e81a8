import Crypto
import SwrunOCI

// SHA-256 lives apart from the OCI types so that what only reads and writes specs
// (swrun-oci) links no crypto library, and with it no Foundation.

extension SwrunOCI.Digest {
    /// The sha256 digest of `bytes`.
    public static func sha256<Bytes: Sequence>(of bytes: Bytes) -> SwrunOCI.Digest where Bytes.Element == UInt8 {
        var hasher = DigestHasher()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    init(finished hasher: SHA256) {
        self.init(computedSHA256Hex: SwrunOCI.Digest.hexString(hasher.finalize()))
    }
}

/// Computes a sha256 `Digest` over data that arrives in pieces.
public struct DigestHasher {
    private var hasher = SHA256()

    public init() {}

    /// Adds `bytes` to the hashed data.
    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let hashedInPlace = bytes.withContiguousStorageIfAvailable {
            hasher.update(bufferPointer: UnsafeRawBufferPointer($0))
        } != nil
        if !hashedInPlace { hasher.update(data: Array(bytes)) }
    }

    /// Adds the bytes in `buffer`, hashed in place.
    public mutating func update(bufferPointer buffer: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: buffer)
    }

    /// The digest of everything added so far.
    public func finalize() -> SwrunOCI.Digest { SwrunOCI.Digest(finished: hasher) }
}
