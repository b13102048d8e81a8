#if canImport(Glibc)
import Glibc
#endif
import SwrunDigest
import SwrunOCI
import SwrunOS

/// The image store's blobs (manifests, configs, layer blobs) in `blobs/sha256/<hex>`,
/// each named by the sha256 of its content, as containerd's content store. Every blob
/// enters through one ingest path (ContentStore+Ingest.swift): written under a hidden
/// temporary name in `ingestDirectory`, checked against its digest (and size when
/// known), fsynced, renamed into place, the directory fsynced. A blob already present
/// is kept; a failure leaves nothing behind, not even a changed `blobs/sha256` mtime.
struct ContentStore: Sendable {
    /// `blobs/sha256`.
    let directory: String
    /// Where ingests are written: the store's `tmp/`, on the same filesystem.
    let ingestDirectory: String

    /// The path of the blob with `digest`.
    func path(of digest: Digest) -> String { directory + "/" + digest.hex }

    /// Whether the blob `digest` is present (with `size` bytes, when given).
    func contains(_ digest: Digest, size: Int64? = nil) -> Bool {
        var st = stat()
        guard lstat(path(of: digest), &st) == 0 else { return false }
        return size == nil || Int64(st.st_size) == size
    }

    /// The blob with `digest`, verified against it.
    func read(_ digest: Digest) throws -> [UInt8] {
        let path = path(of: digest)
        guard FileIO.exists(path) else { throw SwrunError(.notFound, "blob \(digest) is missing from the store") }
        let bytes = try FileIO.readFile(path)
        let actual = Digest.sha256(of: bytes)
        guard actual == digest else {
            throw SwrunError(.corrupt, "blob \(digest): content has digest \(actual)")
        }
        return bytes
    }

    /// sha256 and byte count of what is left to read from `fd` (`path` names it in errors).
    static func digest(ofFD fd: Int32, path: String) throws -> (Digest, Int64) {
        var hasher = DigestHasher()
        var total: Int64 = 0
        try FileIO.readChunks(fd, step: "read \(path)") { chunk in
            hasher.update(chunk)
            total += Int64(chunk.count)
        }
        return (hasher.finalize(), total)
    }
}
