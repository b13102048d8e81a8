import CSwrun
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
        let sink = try TarWriter(fd: fd, format: .pax, label: "layer writer", digesting: true)
        let walker = TreeWalker(sink: sink, translateWhiteouts: translateWhiteouts, exclude: exclude)
        try walker.walk(sources: roots, path: [])
        return try sink.finish()!
    }
}

/// Walks a stack of directories (topmost first) as overlay would merge them and
/// writes each visible entry to the sink, sorted by name within each directory.
final class TreeWalker {
    let sink: TarWriter
    private let translateWhiteouts: Bool
    private let exclude: Set<[UInt8]>
    /// The first path written for each (dev, ino) with more than one link.
    private var firstPaths: [FileID: [UInt8]] = [:]

    struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    init(sink: TarWriter, translateWhiteouts: Bool, exclude: [String]) {
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
