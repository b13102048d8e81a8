import CArchive
import Glibc
import SwrunOS

/// One entry of a tar archive, as `TarReader.next()` returns it.
public struct TarEntry: Sendable {
    /// The name as the archive spells it (empty when it has none): not normalised.
    public let path: String
    /// The file type: `S_IFREG`, `S_IFDIR`, `S_IFLNK`, … (0 for a hard link, which
    /// carries no type of its own in tar).
    public let type: mode_t
    /// The earlier entry this one is a hard link to.
    public let hardlinkTarget: String?
    /// A symlink's target.
    public let symlinkTarget: String?
    /// The size of the entry's data in bytes.
    public let size: Int64
}

/// The one tar reader, a libarchive reader with only the tar formats. Layers read it
/// from a `LayerStream` through a read callback, so that every byte it parses has been
/// hashed and teed first; image archives (`swrun load`) open it over an fd with the
/// decompression filters, gzip, zstd, xz and bzip2.
public final class TarReader {
    private let reader: OpaquePointer
    private let stream: LayerStream?
    private let label: String

    /// Reads the tar stream `fd`, plain or compressed (detected). `label` starts every
    /// error message ("load: …").
    public init(fd: Int32, label: String) throws {
        guard let reader = archive_read_new() else {
            throw SwrunError(.internalError, "archive_read_new failed")
        }
        self.reader = reader
        self.stream = nil
        self.label = label
        supportDecompression(reader)
        archive_read_support_format_tar(reader)
        guard archive_read_open_fd(reader, fd, LayerStream.blockSize) == ARCHIVE_OK else { throw failure("open") }
    }

    init(stream: LayerStream) throws {
        guard let reader = archive_read_new() else {
            throw SwrunError(.internalError, "layer tar: archive_read_new failed")
        }
        self.reader = reader
        self.stream = stream
        self.label = "layer tar"
        archive_read_support_format_tar(reader)
        // `stream` outlives the reader: both are owned by this object, and the reader
        // is freed first in deinit.
        let context = Unmanaged.passUnretained(stream).toOpaque()
        let status = archive_read_open(reader, context, nil, { _, context, buffer in
            guard let context, let buffer else { return -1 }
            let stream = Unmanaged<LayerStream>.fromOpaque(context).takeUnretainedValue()
            do {
                guard let block = try stream.next() else { return 0 }
                buffer.pointee = block.baseAddress
                return block.count
            } catch let error as SwrunError {
                stream.failure = error
                return -1
            } catch {
                stream.failure = SwrunError(.internalError, "layer tar", cause: error)
                return -1
            }
        }, nil)
        guard status == ARCHIVE_OK else { throw failure("read") }
    }

    deinit {
        archive_read_free(reader)
    }

    /// The next entry's header, or nil after the end-of-archive marker. The entry is
    /// owned by the reader and valid until the next call.
    func nextEntry(step: String = "read header") throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(reader, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard archiveCanGoOn(status), let entry else { throw failure(step) }
        return entry
    }

    /// The next entry, or nil after the end-of-archive marker.
    public func next() throws -> TarEntry? {
        guard let entry = try nextEntry(step: "read") else { return nil }
        return TarEntry(
            path: archive_entry_pathname(entry).map { String(cString: $0) } ?? "",
            type: mode_t(archive_entry_filetype(entry)),
            hardlinkTarget: archive_entry_hardlink(entry).map { String(cString: $0) },
            symlinkTarget: archive_entry_symlink(entry).map { String(cString: $0) },
            size: archive_entry_size(entry))
    }

    /// Reads the current entry's data into `buffer`: the count read, 0 at its end.
    /// `name` names the entry in an error.
    public func readData(into buffer: UnsafeMutableRawBufferPointer, name: String) throws -> Int {
        let count = archive_read_data(reader, buffer.baseAddress, buffer.count)
        if count < 0 { throw failure("read \(name)") }
        return count
    }

    /// Writes the current entry's contents to `fd` at their offsets, leaving holes
    /// where a sparse entry has them.
    func copyData(of entry: OpaquePointer, _ path: EntryPath, to fd: Int32) throws {
        var end: Int64 = 0
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let status = archive_read_data_block(reader, &buffer, &size, &offset)
            if status == ARCHIVE_EOF { break }
            guard archiveCanGoOn(status) else { throw failure("read \"\(path.display)\"") }
            guard let buffer, size > 0 else { continue }
            var done = 0
            while done < size {
                let written = pwrite(fd, buffer + done, size - done, off_t(offset) + off_t(done))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SwrunError.system("layer tar: write \"\(path.display)\"")
                }
                done += written
            }
            end = max(end, offset + Int64(size))
        }
        // A sparse file may end in a hole, which no data block covers.
        let declared = archive_entry_size(entry)
        if declared > end && ftruncate(fd, off_t(declared)) != 0 {
            throw SwrunError.system("layer tar: truncate \"\(path.display)\"")
        }
    }

    /// The stream's own error when the read callback failed (a decompression error or
    /// a failed tee write), else libarchive's message.
    private func failure(_ step: String) -> SwrunError {
        stream?.failure ?? archiveError(reader, step, label: label)
    }
}
