import Glibc
import SwrunDigest
import SwrunDockerfile
import SwrunOS

/// The cache key of a COPY/ADD step's inputs.
extension LayerCopy {
    /// The digest that keys the step's cache: contents, mode, owner as copied (after
    /// --chown), type and link target of every file copied, and the relative paths;
    /// never mtimes. Same inputs → same string ("sha256:…").
    ///
    /// One pass over the sources, the ignored files skipped, each file's content
    /// streamed through SHA-256 in 1 MiB reads. `exclude` as for `copy`: what it leaves
    /// out is not hashed.
    public static func cacheDigest(root: String, sources: [ContextSource], ignore: IgnorePatterns, chown: (uid: UInt32, gid: UInt32)?,
                                   chmod: UInt32?, exclude: [String] = []) throws -> String {
        let excluded = try exclude.isEmpty ? nil : IgnorePatterns(parsing: exclude.joined(separator: "\n"))
        let context = try ContextTree(root: root, ignore: ignore)
        var hasher = ContextHasher(chmod: chmod.map { mode_t($0 & 0o7777) })
        defer { hasher.buffer.deallocate() }
        let owner = chown ?? (0, 0)
        hasher.record("swrun-copy-1", "\(owner.uid):\(owner.gid)", chmod.map { String($0, radix: 8) } ?? "-")
        for source in sources {
            let components = BuildContext.clean(source.path)
            guard let found = try context.find(components) else { throw BuildContext.notFound(components, root: root) }
            hasher.record("source", source.path)
            guard found.isDirectory else {
                guard let parent = try context.openDirectory(Array(found.components.dropLast())) else {
                    throw SwrunError(.notFound, "/" + found.contextPath + ": vanished")
                }
                defer { if parent != context.rootFD { close(parent) } }
                try hasher.visit(ContextEntry(name: Array((found.components.last ?? ".").utf8CString), relative: source.name,
                                              parentFD: parent, info: found.info))
                continue
            }
            let top = ContextEntry(name: [46, 0], relative: ".", parentFD: context.rootFD, info: found.info)
            try hasher.enterDirectory(top)
            try context.walk(found, exclude: excluded, visitor: &hasher)
            try hasher.leaveDirectory(top)
        }
        return hasher.finalize()
    }
}

/// Hashes what a copy would write, entry by entry: a record of the path, type, mode
/// and link target (or device number), and for a regular file the SHA-256 of its
/// contents. Records are length-prefixed fields, so no two inputs share a stream.
struct ContextHasher: ContextVisitor {
    let chmod: mode_t?
    private var hasher = DigestHasher()
    /// One read buffer for every file: no allocation per file.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    init(chmod: mode_t?) {
        self.chmod = chmod
    }

    mutating func record(_ fields: String...) {
        for field in fields { append(Array(field.utf8)) }
        append([])
    }

    private mutating func append(_ bytes: [UInt8]) {
        var length = UInt32(bytes.count).littleEndian
        withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
        hasher.update(bytes)
    }

    private func mode(_ entry: ContextEntry) -> String {
        entry.type == S_IFLNK ? "-" : String(chmod ?? (entry.info.st_mode & 0o7777), radix: 8)
    }

    mutating func enterDirectory(_ entry: ContextEntry) throws {
        record("dir", entry.relative, mode(entry))
    }

    mutating func leaveDirectory(_ entry: ContextEntry) throws {
        record("end", entry.relative)
    }

    mutating func visit(_ entry: ContextEntry) throws {
        switch entry.type {
        case S_IFREG:
            record("file", entry.relative, mode(entry), try contentDigest(entry))
        case S_IFLNK:
            let target = try CopyWriter.linkTarget(entry).dropLast().map { UInt8(bitPattern: $0) }
            record("symlink", entry.relative, String(decoding: target, as: UTF8.self))
        case S_IFCHR, S_IFBLK:
            record(entry.type == S_IFCHR ? "char" : "block", entry.relative, mode(entry), String(entry.info.st_rdev))
        case S_IFIFO:
            record("fifo", entry.relative, mode(entry))
        default:
            return
        }
    }

    /// The SHA-256 of the regular file `entry`'s contents, read in 1 MiB blocks.
    private func contentDigest(_ entry: ContextEntry) throws -> String {
        var content = DigestHasher()
        guard entry.info.st_size > 0 else { return content.finalize().hex }
        let fd = openat(entry.parentFD, entry.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(entry.relative) in the build context") }
        defer { close(fd) }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("read \(entry.relative) in the build context")
            }
            if count == 0 { break }
            content.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return content.finalize().hex
    }

    func finalize() -> String {
        hasher.finalize().string
    }
}
