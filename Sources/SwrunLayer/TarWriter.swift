import CArchive
import Glibc
import SwrunDigest
import SwrunOS

/// The one tar writer: a libarchive pax writer whose output goes to an fd from its
/// write callback, optionally hashed and counted as it goes (a layer's DiffID, with no
/// second pass). Layers are written entry by entry from `stat`s (`LayerWriter`);
/// image archives from names, bytes and files (`swrun save`).
public final class TarWriter {
    /// The pax flavour to write.
    public enum Format: Sendable {
        /// Pax headers whenever an entry has anything ustar cannot hold or that pax adds
        /// (sub-second mtimes, xattrs): layers.
        case pax
        /// Pax headers only where ustar cannot hold a value: image archives.
        case paxRestricted
    }

    private let archive: OpaquePointer
    private let outputFD: Int32
    private let label: String
    private var hasher: DigestHasher?
    private var byteCount: Int64 = 0
    /// The first error met inside the C write callback, where it cannot be thrown.
    private var failure: SwrunError?
    private var finished = false

    /// A writer to `fd` in `format`. `label` starts every error message ("save: …");
    /// `digesting` hashes and counts the output for `finish()` to return.
    public init(fd: Int32, format: Format, label: String, digesting: Bool) throws {
        guard let archive = archive_write_new() else {
            throw SwrunError(.internalError, "\(label): archive_write_new failed")
        }
        self.archive = archive
        self.outputFD = fd
        self.label = label
        self.hasher = digesting ? DigestHasher() : nil
        // 64 KiB writes, and no padding of the last block beyond the two end blocks.
        let formatStatus = format == .pax ? archive_write_set_format_pax(archive) : archive_write_set_format_pax_restricted(archive)
        guard formatStatus == ARCHIVE_OK,
              archive_write_set_bytes_per_block(archive, 64 * 1024) == ARCHIVE_OK,
              archive_write_set_bytes_in_last_block(archive, 1) == ARCHIVE_OK
        else { throw writerError("configure") }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = archive_write_open2(archive, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let writer = Unmanaged<TarWriter>.fromOpaque(context).takeUnretainedValue()
            return writer.consume(UnsafeRawBufferPointer(start: buffer, count: length))
        }, nil, nil)
        guard status == ARCHIVE_OK else { throw writerError("open") }
    }

    deinit {
        // After a failure: no end-of-archive blocks, which would make a cut-off tar
        // look complete.
        if !finished { archive_write_fail(archive) }
        archive_write_free(archive)
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) -> Int {
        var done = 0
        while done < bytes.count {
            let written = Glibc.write(outputFD, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 {
                if errno == EINTR { continue }
                if failure == nil { failure = SwrunError.system("\(label): write") }
                return -1
            }
            done += written
        }
        hasher?.update(bufferPointer: bytes)
        byteCount += Int64(bytes.count)
        return bytes.count
    }

    // MARK: - Entries from a file system walk

    /// Writes the header of `path` from `st`: type, permissions, owner, mtime, size
    /// (regular files), device number, symlink target and `xattrs`. Access and change
    /// times are left out so the same tree gives the same tar.
    public func writeHeader(path: [UInt8], _ st: stat, xattrs: [(name: String, value: [UInt8])] = [], symlinkTarget: [UInt8]? = nil) throws {
        try withEntry(path: path, step: "write header \"\(Self.display(path))\"") { entry in
            Self.setOwnerAndTime(entry, st)
            archive_entry_set_filetype(entry, UInt32(st.st_mode & S_IFMT))
            archive_entry_set_perm(entry, st.st_mode & 0o7777)
            archive_entry_set_size(entry, (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : 0)
            if (st.st_mode & S_IFMT) == S_IFCHR || (st.st_mode & S_IFMT) == S_IFBLK {
                archive_entry_set_rdev(entry, st.st_rdev)
            }
            if let symlinkTarget {
                Self.withCString(symlinkTarget) { archive_entry_copy_symlink(entry, $0) }
            }
            for xattr in xattrs {
                xattr.value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, xattr.name, $0.baseAddress, $0.count) }
            }
        }
    }

    /// A hard link entry `path` → `target` (an earlier entry), with `st`'s metadata.
    public func writeHardlink(path: [UInt8], target: [UInt8], _ st: stat) throws {
        try withEntry(path: path, step: "write header \"\(Self.display(path))\"") { entry in
            Self.setOwnerAndTime(entry, st)
            archive_entry_set_filetype(entry, UInt32(st.st_mode & S_IFMT))
            archive_entry_set_perm(entry, st.st_mode & 0o7777)
            archive_entry_set_size(entry, 0)
            Self.withCString(target) { archive_entry_copy_hardlink(entry, $0) }
        }
    }

    /// An empty regular file (a whiteout marker), mode 0644, owned and timed like `st`.
    public func writeEmptyFile(path: [UInt8], like st: stat) throws {
        try withEntry(path: path, step: "write header \"\(Self.display(path))\"") { entry in
            Self.setOwnerAndTime(entry, st)
            archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_size(entry, 0)
        }
    }

    /// Copies the body of the entry just written: `size` bytes from `fd`. A file that
    /// shrank meanwhile is padded with zeros by libarchive, one that grew is cut, so
    /// the tar always matches its headers.
    public func copyContent(from fd: Int32, size: Int64, path: [UInt8]) throws {
        var remaining = size
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while remaining > 0 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(min(Int64($0.count), remaining))) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("\(label): read \"\(Self.display(path))\"")
            }
            if count == 0 { break }
            try chunk.withUnsafeBytes { try writeData(UnsafeRawBufferPointer(rebasing: $0[0..<count]), step: "write \"\(Self.display(path))\"") }
            remaining -= Int64(count)
        }
    }

    // MARK: - Entries of an image archive (root-owned, mtime 0: the same images make the same archive)

    /// A directory entry `name`, mode 0755.
    public func addDirectory(_ name: String) throws {
        try addEntry(name, type: S_IFDIR, mode: 0o755, size: 0)
    }

    /// A regular file `name` holding `bytes`, mode 0644.
    public func addFile(_ name: String, bytes: [UInt8]) throws {
        try addEntry(name, type: S_IFREG, mode: 0o644, size: Int64(bytes.count))
        try bytes.withUnsafeBytes { try writeData($0, step: "write \(name)") }
    }

    /// A regular file `name`, mode 0644, streaming the content of the file at `path`;
    /// a file that shrinks meanwhile is an error.
    public func addFile(_ name: String, contentsOf path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SwrunError.system("fstat \(path)") }
        try addEntry(name, type: S_IFREG, mode: 0o644, size: Int64(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var remaining = Int64(st.st_size)
        while remaining > 0 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, Int(remaining))) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("read \(path)")
            }
            guard count > 0 else { throw SwrunError(.corrupt, "\(path) shrank while being saved") }
            try chunk.withUnsafeBytes { try writeData(UnsafeRawBufferPointer(rebasing: $0[0..<count]), step: "write \(name)") }
            remaining -= Int64(count)
        }
    }

    private func addEntry(_ name: String, type: mode_t, mode: mode_t, size: Int64) throws {
        try withEntry(path: Array(name.utf8), step: "write \(name)") { entry in
            archive_entry_set_filetype(entry, UInt32(type))
            archive_entry_set_perm(entry, mode)
            archive_entry_set_size(entry, size)
            archive_entry_set_mtime(entry, 0, 0)
        }
    }

    // MARK: - Ending

    /// Writes the end of the archive; returns the digests of every byte written when
    /// the writer was made `digesting`, else nil.
    @discardableResult
    public func finish() throws -> LayerDigests? {
        finished = true
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure ?? writerError("close") }
        if let failure { throw failure }
        return hasher.map { LayerDigests(diffID: $0.finalize().string, uncompressedSize: byteCount) }
    }

    // MARK: - libarchive plumbing

    private func writeData(_ bytes: UnsafeRawBufferPointer, step: @autoclosure () -> String) throws {
        var done = 0
        while done < bytes.count {
            let written = archive_write_data(archive, bytes.baseAddress! + done, bytes.count - done)
            guard written > 0 else { throw failure ?? writerError(step()) }
            done += written
        }
    }

    private static func setOwnerAndTime(_ entry: OpaquePointer, _ st: stat) {
        archive_entry_set_uid(entry, Int64(st.st_uid))
        archive_entry_set_gid(entry, Int64(st.st_gid))
        archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
    }

    private func withEntry(path: [UInt8], step: @autoclosure () -> String, _ fill: (OpaquePointer) -> Void) throws {
        guard let entry = archive_entry_new() else { throw SwrunError(.internalError, "\(label): archive_entry_new failed") }
        defer { archive_entry_free(entry) }
        Self.withCString(path) { archive_entry_copy_pathname(entry, $0) }
        fill(entry)
        let status = archive_write_header(archive, entry)
        guard archiveCanGoOn(status) else { throw failure ?? writerError(step()) }
    }

    private func writerError(_ step: String) -> SwrunError {
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
        return SwrunError(.system, "\(label): \(step): \(message)")
    }

    private static func display(_ path: [UInt8]) -> String { String(decoding: path, as: UTF8.self) }

    private static func withCString<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
