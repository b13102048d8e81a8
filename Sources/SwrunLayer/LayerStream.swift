import CArchive
import Glibc
import SwrunDigest
import SwrunOS

/// The decompressing half of layer extraction: reads the (possibly compressed) layer
/// from an fd with a libarchive reader that has every supported filter and the "raw"
/// format, and hands out the plain tar bytes block by block. Every byte handed out is
/// hashed (the DiffID), counted and copied to the tee fd, so whoever pulls the bytes
/// (the tar reader) cannot skip any of them unseen.
final class LayerStream {
    /// 1 MiB reads: large enough that syscalls and filter calls do not dominate.
    static let blockSize = 1 << 20

    private let reader: OpaquePointer
    private let teeFD: Int32?
    private var hasher = DigestHasher()
    private var atEnd = false
    /// Bytes handed out so far: the size of the uncompressed tar.
    private(set) var byteCount: Int64 = 0
    /// The first error met inside the C read callback, where it cannot be thrown.
    var failure: SwrunError?

    init(inputFD: Int32, teeFD: Int32?) throws {
        guard let reader = archive_read_new() else {
            throw SwrunError(.internalError, "layer tar: archive_read_new failed")
        }
        self.reader = reader
        self.teeFD = teeFD
        supportDecompression(reader)
        archive_read_support_format_raw(reader)
        guard archive_read_open_fd(reader, inputFD, Self.blockSize) == ARCHIVE_OK else {
            throw archiveError(reader, "open")
        }
        var entry: OpaquePointer?
        let status = archive_read_next_header(reader, &entry)
        if status == ARCHIVE_EOF {
            atEnd = true
        } else if !archiveCanGoOn(status) {
            throw archiveError(reader, "decompress")
        }
    }

    deinit {
        archive_read_free(reader)
    }

    /// The next non-empty block of uncompressed bytes, or nil at the end of the stream.
    /// The block stays valid until the next call.
    func next() throws -> UnsafeRawBufferPointer? {
        while !atEnd {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let status = archive_read_data_block(reader, &buffer, &size, &offset)
            if status == ARCHIVE_EOF {
                atEnd = true
                break
            }
            guard archiveCanGoOn(status) else { throw archiveError(reader, "decompress") }
            // The raw format returns one contiguous stream; a gap would mean bytes the
            // hash never saw.
            guard offset == byteCount else {
                throw SwrunError(.corrupt, "layer tar: decompressed stream skipped from \(byteCount) to \(offset)")
            }
            guard size > 0, let buffer else { continue }
            let block = UnsafeRawBufferPointer(start: buffer, count: size)
            hasher.update(bufferPointer: block)
            if let teeFD { try writeAll(teeFD, block) }
            byteCount += Int64(size)
            return block
        }
        return nil
    }

    /// Reads the rest of the stream (the padding a tar writer adds after the
    /// end-of-archive blocks) so the digest covers every byte.
    func drain() throws {
        while try next() != nil {}
    }

    /// "sha256:<hex>" of every byte handed out.
    func finish() -> LayerDigests {
        LayerDigests(diffID: hasher.finalize().string, uncompressedSize: byteCount)
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let written = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("layer tar: write to tee")
            }
            done += written
        }
    }
}

/// Enables on `reader` only the codecs OCI layers and image archives use (linked into
/// Debian's libarchive): gzip, zstd, xz, bzip2. Not `archive_read_support_filter_all`:
/// it includes filters that fork external programs (lrzip, lzop, grzip), which a
/// hostile blob must not reach.
func supportDecompression(_ reader: OpaquePointer) {
    archive_read_support_filter_gzip(reader)
    archive_read_support_filter_zstd(reader)
    archive_read_support_filter_xz(reader)
    archive_read_support_filter_bzip2(reader)
}

/// libarchive's own message for the last failure of `archive`, as a one-line
/// SwrunError: "<label>: <step>: <message>".
func archiveError(_ archive: OpaquePointer, _ step: String, label: String = "layer tar") -> SwrunError {
    let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    return SwrunError(.corrupt, "\(label): \(step): \(message)")
}

/// Whether reading can go on after a libarchive call: OK, or WARN (something odd but
/// recoverable, such as an unknown pax keyword). RETRY, FAILED and FATAL stop it.
func archiveCanGoOn(_ status: Int32) -> Bool {
    status == ARCHIVE_OK || status == ARCHIVE_WARN
}
