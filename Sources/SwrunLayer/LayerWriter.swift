import CArchive
import CSwrun
import Crypto
import Glibc
import SwrunOS

/// Writes directories as layer tars (pax format) to an fd, hashing the stream as it
/// goes: one walk, one pass, no temporary tar.
public enum LayerWriter {
    /// The runtime's bind-mount targets that appear in an upper dir as empty
    /// placeholder files when the image lacked them; never part of a layer.
    public static let runtimePlaceholders = ["etc/hostname", "etc/hosts", "etc/resolv.conf"]

    /// Streams the overlay upper dir `directory` to `fd` as an OCI layer diff:
    /// 0/0 char devices become `.wh.NAME`, opaque dirs get `.wh..wh..opq`, overlay's
    /// xattrs are dropped. `exclude` names paths (relative, e.g. `etc/hosts`) left out
    /// when they are empty regular files. A file already named `.wh.*` is refused
    /// (`.invalidArgument`): it would read as a whiteout.
    public static func writeDiff(directory: String, to fd: Int32, exclude: [String] = []) throws -> LayerDigests {
        try write(layers: [directory], to: fd, translateWhiteouts: true, exclude: exclude)
    }

    /// Streams the union of `layers` (unpacked layer dirs, base first; the last may be
    /// an overlay upper dir) to `fd` as one flat tar with no whiteouts: what a
    /// container sees (`export`, `commit --squash`).
    public static func writeMerged(layers: [String], to fd: Int32, exclude: [String] = []) throws -> LayerDigests {
        try write(layers: layers, to: fd, translateWhiteouts: false, exclude: exclude)
    }

    private static func write(layers: [String], to fd: Int32, translateWhiteouts: Bool, exclude: [String]) throws -> LayerDigests {
        var roots: [Int32] = []
        defer { roots.forEach { close($0) } }
        for layer in layers.reversed() {
            let root = open(layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard root >= 0 else { throw SwrunError.system("layer writer: open \(layer)") }
            roots.append(root)
        }
        let sink = try TarSink(outputFD: fd)
        let walker = TreeWalker(sink: sink, translateWhiteouts: translateWhiteouts, exclude: exclude)
        try walker.walk(sources: roots, path: [])
        return try sink.finish()
    }
}

/// Walks a stack of directories (topmost first) as overlay would merge them and
/// writes each visible entry to the sink, sorted by name within each directory.
final class TreeWalker {
    let sink: TarSink
    private let translateWhiteouts: Bool
    private let exclude: Set<[UInt8]>
    /// The first path written for each (dev, ino) with more than one link.
    private var firstPaths: [FileID: [UInt8]] = [:]

    struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    init(sink: TarSink, translateWhiteouts: Bool, exclude: [String]) {
        self.sink = sink
        self.translateWhiteouts = translateWhiteouts
        self.exclude = Set(exclude.map { Array($0.utf8) })
    }

    /// Writes the entries of the directory `path` (empty for the root, which itself
    /// is not written) whose content lies in `sources`, open dir fds topmost first.
    func walk(sources: [Int32], path: [UInt8]) throws {
        var names = Set<[UInt8]>()
        for source in sources {
            for name in try Self.listDirectory(source, path: path) { names.insert(name) }
        }
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let child = path.isEmpty ? name : path + [UInt8(ascii: "/")] + name
            if name.starts(with: Self.whiteoutPrefix) {
                throw SwrunError(.invalidArgument, "layer writer: \"\(Self.display(child))\" is named like a whiteout (.wh.*); refusing to write it")
            }
            guard let (index, st) = try Self.topmost(name, in: sources, path: child) else { continue }
            let dirFD = sources[index]
            if exclude.contains(child), Self.isType(st, S_IFREG), st.st_size == 0 { continue }
            if OverlayMarkers.isWhiteout(st) {
                if translateWhiteouts { try writeWhiteout(for: child, st) }
                continue
            }
            if Self.isType(st, S_IFDIR) {
                try writeDirectory(name, child, st, sources: Array(sources[index...]))
            } else {
                try writeNonDirectory(dirFD, name, child, st)
            }
        }
    }

    private func writeDirectory(_ name: [UInt8], _ path: [UInt8], _ st: stat, sources: [Int32]) throws {
        var children: [Int32] = []
        defer { children.forEach { close($0) } }
        var opaque = false
        for (position, source) in sources.enumerated() {
            var below = stat()
            guard Self.lstatAt(source, name, &below) else { continue }
            guard Self.isType(below, S_IFDIR) else { break }
            let fd = Self.openAt(source, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            guard fd >= 0 else { throw SwrunError.system("layer writer: open \"\(Self.display(path))\"") }
            children.append(fd)
            let isOpaque = try OverlayMarkers.isOpaque(directory: fd, scope: "layer writer: ", subject: "\"\(Self.display(path))\"")
            if position == 0 { opaque = isOpaque }
            if isOpaque { break }
        }
        guard let top = children.first else { return }
        try sink.writeHeader(path: path, st, xattrs: try Self.xattrs(of: top, name: nil, path: path))
        if translateWhiteouts && opaque {
            try sink.writeEmptyFile(path: path + [UInt8(ascii: "/")] + Self.opaqueMarker, like: st)
        }
        try walk(sources: children, path: path)
    }

    private func writeNonDirectory(_ dirFD: Int32, _ name: [UInt8], _ path: [UInt8], _ st: stat) throws {
        let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if st.st_nlink > 1 {
            if let target = firstPaths[id] {
                try sink.writeHardlink(path: path, target: target, st)
                return
            }
            firstPaths[id] = path
        }
        let xattrs = try Self.xattrs(of: dirFD, name: name, path: path)
        if Self.isType(st, S_IFLNK) {
            try sink.writeHeader(path: path, st, xattrs: xattrs, symlinkTarget: try Self.readLink(dirFD, name, path: path))
        } else if Self.isType(st, S_IFREG) {
            let fd = Self.openAt(dirFD, name, O_RDONLY | O_NOFOLLOW)
            guard fd >= 0 else { throw SwrunError.system("layer writer: open \"\(Self.display(path))\"") }
            defer { close(fd) }
            try sink.writeHeader(path: path, st, xattrs: xattrs)
            try sink.copyContent(from: fd, size: Int64(st.st_size), path: path)
        } else {
            try sink.writeHeader(path: path, st, xattrs: xattrs)
        }
    }

    // MARK: - File system helpers

    /// Which of `sources` (topmost first) holds `name` first, and its lstat; nil when
    /// none does (it went away during the walk).
    private static func topmost(_ name: [UInt8], in sources: [Int32], path: [UInt8]) throws -> (Int, stat)? {
        for (index, source) in sources.enumerated() {
            var st = stat()
            if lstatAt(source, name, &st) { return (index, st) }
            guard errno == ENOENT else { throw SwrunError.system("layer writer: lstat \"\(display(path))\"") }
        }
        return nil
    }

    static func lstatAt(_ dirFD: Int32, _ name: [UInt8], _ st: inout stat) -> Bool {
        (name + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { fstatat(dirFD, $0.baseAddress!, &st, AT_SYMLINK_NOFOLLOW) == 0 }
        }
    }

    static func openAt(_ dirFD: Int32, _ name: [UInt8], _ flags: Int32) -> Int32 {
        (name + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { openat(dirFD, $0.baseAddress!, flags | O_CLOEXEC) }
        }
    }

    /// The names in the directory open at `dirFD`, without `.` and `..`.
    static func listDirectory(_ dirFD: Int32, path: [UInt8]) throws -> [[UInt8]] {
        let copy = dup(dirFD)
        guard copy >= 0 else { throw SwrunError.system("layer writer: dup") }
        guard let directory = fdopendir(copy) else {
            close(copy)
            throw SwrunError.system("layer writer: opendir \"\(display(path))\"")
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SwrunError.system("layer writer: readdir \"\(display(path))\"") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            if name == [46] || name == [46, 46] { continue }
            names.append(name)
        }
        return names
    }

    private static func readLink(_ dirFD: Int32, _ name: [UInt8], path: [UInt8]) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = (name + [0]).withUnsafeBufferPointer { nameBuffer in
            nameBuffer.withMemoryRebound(to: CChar.self) { cName in
                buffer.withUnsafeMutableBytes { readlinkat(dirFD, cName.baseAddress!, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
            }
        }
        guard count >= 0 else { throw SwrunError.system("layer writer: readlink \"\(display(path))\"") }
        return Array(buffer[0..<count])
    }

    static func isType(_ st: stat, _ type: mode_t) -> Bool { (st.st_mode & S_IFMT) == type }

    static func display(_ path: [UInt8]) -> String { String(decoding: path, as: UTF8.self) }
}

/// The libarchive pax writer, with its output hashed (the DiffID), counted and
/// written to an fd from its write callback.
final class TarSink {
    private let archive: OpaquePointer
    private let outputFD: Int32
    private var hasher = SHA256()
    private var byteCount: Int64 = 0
    /// The first error met inside the C write callback, where it cannot be thrown.
    private var failure: SwrunError?
    private var finished = false

    init(outputFD: Int32) throws {
        guard let archive = archive_write_new() else {
            throw SwrunError(.internalError, "layer writer: archive_write_new failed")
        }
        self.archive = archive
        self.outputFD = outputFD
        // Pax: long names, large ids, sub-second mtimes and xattrs all fit. 64 KiB
        // writes, and no padding of the last block beyond the two end blocks.
        guard archive_write_set_format_pax(archive) == ARCHIVE_OK,
              archive_write_set_bytes_per_block(archive, 64 * 1024) == ARCHIVE_OK,
              archive_write_set_bytes_in_last_block(archive, 1) == ARCHIVE_OK
        else { throw writerError("configure") }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = archive_write_open2(archive, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let sink = Unmanaged<TarSink>.fromOpaque(context).takeUnretainedValue()
            return sink.consume(UnsafeRawBufferPointer(start: buffer, count: length))
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
                if failure == nil { failure = SwrunError.system("layer writer: write") }
                return -1
            }
            done += written
        }
        hasher.update(bufferPointer: bytes)
        byteCount += Int64(bytes.count)
        return bytes.count
    }

    /// Writes the header of `path` from `st`: type, permissions, owner, mtime, size
    /// (regular files), device number, symlink target and `xattrs`. Access and change
    /// times are left out so the same tree gives the same tar.
    func writeHeader(path: [UInt8], _ st: stat, xattrs: [(name: String, value: [UInt8])] = [], symlinkTarget: [UInt8]? = nil) throws {
        try withEntry(path: path) { entry in
            archive_entry_set_filetype(entry, UInt32(st.st_mode & S_IFMT))
            archive_entry_set_perm(entry, st.st_mode & 0o7777)
            archive_entry_set_uid(entry, Int64(st.st_uid))
            archive_entry_set_gid(entry, Int64(st.st_gid))
            archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
            archive_entry_set_size(entry, TreeWalker.isType(st, S_IFREG) ? Int64(st.st_size) : 0)
            if TreeWalker.isType(st, S_IFCHR) || TreeWalker.isType(st, S_IFBLK) {
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
    func writeHardlink(path: [UInt8], target: [UInt8], _ st: stat) throws {
        try withEntry(path: path) { entry in
            archive_entry_set_filetype(entry, UInt32(st.st_mode & S_IFMT))
            archive_entry_set_perm(entry, st.st_mode & 0o7777)
            archive_entry_set_uid(entry, Int64(st.st_uid))
            archive_entry_set_gid(entry, Int64(st.st_gid))
            archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
            archive_entry_set_size(entry, 0)
            Self.withCString(target) { archive_entry_copy_hardlink(entry, $0) }
        }
    }

    /// An empty regular file (a whiteout marker) owned and timed like `st`.
    func writeEmptyFile(path: [UInt8], like st: stat) throws {
        try withEntry(path: path) { entry in
            archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_uid(entry, Int64(st.st_uid))
            archive_entry_set_gid(entry, Int64(st.st_gid))
            archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
            archive_entry_set_size(entry, 0)
        }
    }

    /// Copies the body of the entry just written: `size` bytes from `fd`. A file that
    /// shrank meanwhile is padded with zeros by libarchive, one that grew is cut, so
    /// the tar always matches its headers.
    func copyContent(from fd: Int32, size: Int64, path: [UInt8]) throws {
        var remaining = size
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while remaining > 0 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(min(Int64($0.count), remaining))) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("layer writer: read \"\(TreeWalker.display(path))\"")
            }
            if count == 0 { break }
            let written = chunk.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, count) }
            guard written >= 0 else { throw failure ?? writerError("write \"\(TreeWalker.display(path))\"") }
            remaining -= Int64(count)
        }
    }

    /// Writes the end of the archive and returns the digests of every byte written.
    func finish() throws -> LayerDigests {
        finished = true
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure ?? writerError("close") }
        if let failure { throw failure }
        return LayerDigests(diffID: hasher.finalizeDigestString(), uncompressedSize: byteCount)
    }

    private func withEntry(path: [UInt8], _ fill: (OpaquePointer) -> Void) throws {
        guard let entry = archive_entry_new() else { throw SwrunError(.internalError, "layer writer: archive_entry_new failed") }
        defer { archive_entry_free(entry) }
        Self.withCString(path) { archive_entry_copy_pathname(entry, $0) }
        fill(entry)
        let status = archive_write_header(archive, entry)
        guard archiveCanGoOn(status) else {
            throw failure ?? writerError("write header \"\(TreeWalker.display(path))\"")
        }
    }

    private func writerError(_ step: String) -> SwrunError {
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
        return SwrunError(.system, "layer writer: \(step): \(message)")
    }

    private static func withCString<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
