import Glibc
import SwrunLayer
import SwrunOS

/// Writes context entries into the upper dir as BuildKit's copier does: mode bits
/// kept (or --chmod's), owner root (or --chown's), times kept, symlinks as symlinks,
/// hard links within one copy kept, contents with copy_file_range. A directory the
/// destination already has is merged into (its metadata replaced by the source's);
/// a non-directory where a directory goes, or a directory where a file goes, fails.
struct CopyWriter: ContextVisitor {
    let upper: UpperTree
    let owner: (uid: UInt32, gid: UInt32)
    let chmod: mode_t?

    /// An upper directory being written into.
    struct Frame {
        /// Open for the *at() calls; closed when the frame is popped.
        let fd: Int32
        let components: [String]
        /// The image's directory at the same path: what it already holds under it.
        let imageDirectory: OverlayView.Node?
        /// [atime, mtime] to set when leaving, nil to leave them.
        let times: [timespec]?
    }

    private(set) var frames: [Frame] = []
    private var firstCopies: [FileID: [String]] = [:]

    private struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    init(upper: UpperTree, owner: (uid: UInt32, gid: UInt32), chmod: mode_t?) {
        self.upper = upper
        self.owner = owner
        self.chmod = chmod
    }

    /// Starts writing into the upper directory `fd` (taken over) at `components`.
    mutating func push(fd: Int32, components: [String], times: [timespec]?) throws {
        frames.append(Frame(fd: fd, components: components, imageDirectory: try upper.imageDirectory(components), times: times))
    }

    /// Finishes the innermost directory: its times, then its fd.
    mutating func pop() throws {
        let frame = frames.removeLast()
        defer { close(frame.fd) }
        if let times = frame.times, futimens(frame.fd, times) != 0 {
            throw SwrunError.system("set times of " + UpperTree.display(frame.components))
        }
    }

    mutating func enterDirectory(_ entry: ContextEntry) throws {
        let parent = frames[frames.count - 1]
        let name = Self.text(entry.name)
        let components = parent.components + [name]
        var existing = stat()
        if fstatat(parent.fd, entry.name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            guard (existing.st_mode & S_IFMT) == S_IFDIR else { throw Self.notDirectory(components) }
        } else {
            guard errno == ENOENT else { throw SwrunError.system("lstat " + UpperTree.display(components)) }
            if let image = upper.image, let directory = parent.imageDirectory, let node = try image.child(name, of: directory),
               !node.isDirectory {
                throw Self.notDirectory(components)
            }
            guard mkdirat(parent.fd, entry.name, 0o700) == 0 else { throw SwrunError.system("mkdir " + UpperTree.display(components)) }
        }
        let fd = openat(parent.fd, entry.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open " + UpperTree.display(components)) }
        do {
            try setOwnerAndMode(fd: fd, entry.info, components)
            try push(fd: fd, components: components, times: Self.times(entry.info))
        } catch {
            close(fd)
            throw error
        }
    }

    mutating func leaveDirectory(_ entry: ContextEntry) throws {
        try pop()
    }

    mutating func visit(_ entry: ContextEntry) throws {
        try write(entry, as: entry.name)
    }

    /// Writes the non-directory `entry` as `name` (NUL-terminated) in the innermost frame.
    mutating func write(_ entry: ContextEntry, as name: [CChar]) throws {
        let parent = frames[frames.count - 1]
        let text = Self.text(name)
        let components = parent.components + [text]
        if text.hasPrefix(".wh.") {
            throw SwrunError(.invalidArgument, "cannot copy \(UpperTree.display(components)): the name is a whiteout's (.wh.*), which a layer cannot carry")
        }
        var existing = stat()
        if fstatat(parent.fd, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            guard (existing.st_mode & S_IFMT) != S_IFDIR else { throw Self.cannotReplaceDirectory(components) }
            guard unlinkat(parent.fd, name, 0) == 0 else { throw SwrunError.system("unlink " + UpperTree.display(components)) }
        } else if let image = upper.image, let directory = parent.imageDirectory, let node = try image.child(text, of: directory),
                  node.isDirectory {
            throw Self.cannotReplaceDirectory(components)
        }
        let info = entry.info
        switch entry.type {
        case S_IFREG:
            let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if info.st_nlink > 1, let first = firstCopies[id] {
                guard linkat(upper.rootFD, UpperTree.relative(first), parent.fd, name, 0) == 0 else {
                    throw SwrunError.system("link " + UpperTree.display(components))
                }
                return
            }
            try copyFile(entry, to: parent.fd, name, components)
            if info.st_nlink > 1 { firstCopies[id] = components }
        case S_IFLNK:
            let target = try Self.linkTarget(entry)
            guard symlinkat(target, parent.fd, name) == 0 else { throw SwrunError.system("symlink " + UpperTree.display(components)) }
            guard fchownat(parent.fd, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw SwrunError.system("chown " + UpperTree.display(components))
            }
            guard utimensat(parent.fd, name, Self.times(info), AT_SYMLINK_NOFOLLOW) == 0 else {
                throw SwrunError.system("set times of " + UpperTree.display(components))
            }
        case S_IFCHR, S_IFBLK, S_IFIFO:
            if OverlayMarkers.isWhiteout(info) {
                throw SwrunError(.invalidArgument, "cannot copy \(UpperTree.display(components)): a 0/0 character device is an overlay whiteout")
            }
            guard mknodat(parent.fd, name, entry.type | 0o600, info.st_rdev) == 0 else {
                throw SwrunError.system("mknod " + UpperTree.display(components))
            }
            guard fchownat(parent.fd, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0,
                  fchmodat(parent.fd, name, mode(of: info), 0) == 0,
                  utimensat(parent.fd, name, Self.times(info), AT_SYMLINK_NOFOLLOW) == 0 else {
                throw SwrunError.system("set metadata of " + UpperTree.display(components))
            }
        default:
            // Sockets: BuildKit's context transfer does not carry them either.
            return
        }
    }

    private func copyFile(_ entry: ContextEntry, to parentFD: Int32, _ name: [CChar], _ components: [String]) throws {
        let input = openat(entry.parentFD, entry.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw SwrunError.system("open \(Self.text(entry.name)) in the build context") }
        defer { close(input) }
        let output = openat(parentFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw SwrunError.system("create " + UpperTree.display(components)) }
        defer { close(output) }
        if entry.info.st_size > 0 { try FileIO.copyData(from: input, to: output, what: UpperTree.display(components)) }
        try setOwnerAndMode(fd: output, entry.info, components)
        guard futimens(output, Self.times(entry.info)) == 0 else {
            throw SwrunError.system("set times of " + UpperTree.display(components))
        }
    }

    /// Owner before mode: chown clears the setuid and setgid bits.
    private func setOwnerAndMode(fd: Int32, _ info: stat, _ components: [String]) throws {
        guard fchown(fd, owner.uid, owner.gid) == 0 else { throw SwrunError.system("chown " + UpperTree.display(components)) }
        guard fchmod(fd, mode(of: info)) == 0 else { throw SwrunError.system("chmod " + UpperTree.display(components)) }
    }

    /// The mode of the directories a copy creates on the way: --chmod's, as BuildKit
    /// (moby/buildkit#4945), else 0755.
    var newDirectoryMode: mode_t { chmod ?? 0o755 }

    /// The permission bits a copy gets: --chmod's, else the source's.
    func mode(of info: stat) -> mode_t {
        chmod ?? (info.st_mode & 0o7777)
    }

    static func times(_ info: stat) -> [timespec] {
        [info.st_atim, info.st_mtim]
    }

    /// The symlink `entry`'s target, as raw bytes, NUL-terminated.
    static func linkTarget(_ entry: ContextEntry) throws -> [CChar] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(entry.parentFD, entry.name, &buffer, buffer.count - 1)
        guard count >= 0 else { throw SwrunError.system("readlink \(text(entry.name)) in the build context") }
        return Array(buffer[0..<count]) + [0]
    }

    static func text(_ name: [CChar]) -> String {
        String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func notDirectory(_ components: [String]) -> SwrunError {
        SwrunError(.invalidArgument, "cannot copy to non-directory: " + UpperTree.display(components))
    }

    static func cannotReplaceDirectory(_ components: [String]) -> SwrunError {
        SwrunError(.invalidArgument, "cannot replace to directory \(UpperTree.display(components)) with file")
    }
}
