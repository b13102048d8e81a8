import SwrunDigest
import SwrunImage
import SwrunOCI
import SwrunOS

/// The step cache: a step's key → the image it made. The images are ordinary
/// untagged images of the store; this index (`<root>/build-cache/<key>`, one small
/// file per key holding the manifest digest) finds them again without reading every
/// image. An entry whose image was removed (`rmi`, `image prune`) is a miss.
struct BuildCache {
    let directory: String
    let store: ImageStore

    init(store: ImageStore) {
        self.store = store
        directory = store.root + "/build-cache"
    }

    /// A step's key: its parent's key and what the step is (the instruction with its
    /// arguments expanded, and whatever else decides its result: the RUN environment,
    /// the digest of the files COPY reads…), hashed.
    static func key(parent: String, step parts: [String]) -> String {
        var hasher = DigestHasher()
        hasher.update(Array(parent.utf8))
        for part in parts {
            // Length-prefixed, so no two different lists hash the same text.
            hasher.update(Array("\n\(part.utf8.count):".utf8))
            hasher.update(Array(part.utf8))
        }
        return hasher.finalize().hex
    }

    /// The image recorded for `key`, if it is still in the store.
    func lookup(_ key: String) -> StoredImage? {
        guard let text = try? FileIO.readString(directory + "/" + key),
              let digest = try? Digest(parsing: String(text.prefix { $0 != "\n" })) else { return nil }
        return try? store.image(manifestDigest: digest)
    }

    /// Records that `key` made `image` (replacing an older entry).
    func record(_ key: String, image: StoredImage) throws {
        try FileIO.makeDirectories(directory)
        try FileIO.writeDurably(at: directory + "/" + key, bytes: Array((image.manifestDigest.string + "\n").utf8), durability: .atomic)
    }
}
