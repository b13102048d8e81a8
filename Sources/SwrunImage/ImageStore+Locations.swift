#if canImport(Glibc)
import Glibc
#endif
import SwrunOCI
import SwrunOS

/// Where blobs are known to live on registries, as docker's distribution metadata:
/// `locations/<blob hex>` lists `registry/repository` lines, recorded when a blob is
/// pulled from or pushed to a repository. A later push to another repository of the
/// same registry asks it to mount the blob from there instead of uploading it.
extension ImageStore {
    /// At most this many repositories are remembered per blob (the newest).
    static let maximumLocations = 16

    var locationsDirectory: String { root + "/locations" }

    /// The repositories (paths) of `registry` that `digest` was seen in, newest first.
    func knownRepositories(of digest: Digest, in registry: String) -> [String] {
        guard let text = try? FileIO.readString(locationsDirectory + "/" + digest.hex) else { return [] }
        let prefix = registry + "/"
        return text.split(separator: "\n").reversed().compactMap { line in
            line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : nil
        }
    }

    /// Records that `digests` live in `registry/repository`. Best effort: a lost
    /// record only costs an upload that a mount could have saved.
    func recordLocation(of digests: [Digest], registry: String, repository: String) {
        let location = registry + "/" + repository
        try? FileIO.makeDirectories(locationsDirectory)
        for digest in Set(digests) {
            let path = locationsDirectory + "/" + digest.hex
            var lines = ((try? FileIO.readString(path)) ?? "").split(separator: "\n").map(String.init)
            if lines.last == location { continue }
            lines.removeAll { $0 == location }
            lines.append(location)
            let kept = lines.suffix(Self.maximumLocations)
            try? FileIO.writeDurably(at: path, bytes: Array((kept.joined(separator: "\n") + "\n").utf8))
        }
    }

    /// Forgets the locations of a blob that has been deleted.
    func forgetLocations(ofBlob hex: String) {
        unlink(locationsDirectory + "/" + hex)
    }
}
