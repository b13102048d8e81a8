import CArchive
import Glibc
import SwrunOS

/// The parsing half of layer extraction: a libarchive reader with only the tar formats
/// and no filters, fed from a `LayerStream` through a read callback, so that every byte
/// it parses has been hashed and teed first.
final class TarReader {
    private let reader: OpaquePointer
    private let stream: LayerStream

    init(stream: LayerStream) throws {
        guard let reader = archive_read_new() else {
            throw SwrunError(.internalError, "layer tar: archive_read_new failed")
        }
        self.reader = reader
        self.stream = stream
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
    func nextEntry() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(reader, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard archiveCanGoOn(status), let entry else { throw failure("read header") }
        return entry
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
        stream.failure ?? archiveError(reader, step)
    }
}
