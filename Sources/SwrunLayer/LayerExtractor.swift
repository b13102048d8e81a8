import SwrunOS

/// The digests of one layer's uncompressed tar stream.
public struct LayerDigests: Sendable, Equatable {
    /// "sha256:<hex>" of the uncompressed tar: the layer's DiffID.
    public let diffID: String
    /// Bytes in the uncompressed tar stream.
    public let uncompressedSize: Int64
    public init(diffID: String, uncompressedSize: Int64) {
        self.diffID = diffID
        self.uncompressedSize = uncompressedSize
    }
}

/// Unpacks layer tarballs into directories an overlay mount can use.
public enum LayerExtractor {
    /// Reads a tar stream from `inputFD` (plain, gzip, zstd, xz or bzip2: detected),
    /// extracts it into `destination` (an existing, empty directory) and returns the
    /// sha256 of the uncompressed tar. When `teeFD` is given, the uncompressed tar bytes
    /// are also written there as they are read (one pass). OCI whiteouts become overlay
    /// whiteouts. No entry can land outside `destination`.
    ///
    /// On failure `destination` may hold part of the layer; the caller removes it.
    public static func extract(inputFD: Int32, destination: String, teeFD: Int32? = nil) throws -> LayerDigests {
        let writer = EntryWriter(root: try RootDirectory(path: destination))
        let stream = try LayerStream(inputFD: inputFD, teeFD: teeFD)
        let tar = try TarReader(stream: stream)
        while let entry = try tar.nextEntry() {
            try writer.write(entry, from: tar)
        }
        try writer.finish()
        try stream.drain()
        return stream.finish()
    }
}
