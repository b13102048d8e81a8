import SwrunDigest
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// The blob with `digest`, verified against it.
    func readBlob(_ digest: Digest) throws -> [UInt8] {
        try content.read(digest)
    }

    /// Stores `bytes` as a blob (if it is not there yet) and returns its descriptor.
    func storeBlob(_ bytes: [UInt8], mediaType: String) throws -> Descriptor {
        let (digest, size) = try content.ingest(bytes)
        return Descriptor(mediaType: mediaType, digest: digest, size: size)
    }
}
