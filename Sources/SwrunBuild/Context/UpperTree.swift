import CSwrun
import Glibc
import SwrunLayer
import SwrunOS

/// A step's upper directory seen over its image: where COPY writes, and what the
/// image already has at each path. The upper is a plain directory (no whiteouts, no
/// opaque markers) that `LayerWriter.writeDiff` turns into the step's layer; every
/// lookup and write in it goes through directory fds and never follows a symlink.
final class UpperTree {
    let path: String
    let rootFD: Int32
    let image: OverlayView?
    /// Directories copied up from the image, with the image's [atime, mtime]: set again
    /// at the end, since writing into them changes their times.
    private var copiedUp: [(components: [String], times: [timespec])] = []

    init(path: String, image: OverlayView?) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        self.path = path
        rootFD = fd
        self.image = image
    }

    deinit { close(rootFD) }

    /// What exists at a path: in the upper dir, else in the image.
    struct Existing {
        let info: stat
        let inUpper: Bool
        var isDirectory: Bool { (info.st_mode & S_IFMT) == S_IFDIR }
    }

    /// What is at `components` (nothing followed), nil when neither the upper dir nor
    /// the image has it.
    func lookup(_ components: [String]) throws -> Existing? {
        guard let name = components.last else {
            var info = stat()
            guard fstat(rootFD, &info) == 0 else { throw SwrunError.system("stat \(path)") }
            return Existing(info: info, inUpper: true)
        }
        let parent = sw_openat2(rootFD, Self.relative(components.dropLast()), UInt64(SW_O_PATH | O_DIRECTORY | O_CLOEXEC), 0,
                                SW_RESOLVE_BENEATH | SW_RESOLVE_NO_SYMLINKS)
        if parent >= 0 {
            defer { close(parent) }
            var info = stat()
            if fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return Existing(info: info, inUpper: true) }
            guard errno == ENOENT else { throw SwrunError.system("lstat " + Self.display(components)) }
        } else if errno != ENOENT {
            // A non-directory or symlink of the upper dir on the way hides the image's path.
            if errno == ENOTDIR || errno == ELOOP { return nil }
            throw SwrunError.system("open " + Self.display(components.dropLast()))
        }
        return try imageNode(components).map { Existing(info: $0.info, inUpper: false) }
    }

    /// The image's entry at `components` (nothing followed), nil without an image.
    func imageNode<Components: Collection<String>>(_ components: Components) throws -> OverlayView.Node? {
        guard let image else { return nil }
        var node = try image.root()
        for name in components {
            guard let next = try image.child(name, of: node) else { return nil }
            node = next
        }
        return node
    }

    /// The image's directory at `components`, nil when it has none there.
    func imageDirectory(_ components: [String]) throws -> OverlayView.Node? {
        guard let node = try imageNode(components), node.isDirectory else { return nil }
        return node
    }

    /// `components` with every symlink (the last one too) followed inside the image's
    /// root, as BuildKit resolves a COPY destination: absolute targets from the root,
    /// `..` stopping there.
    func resolve(_ components: [String]) throws -> [String] {
        var pending = Array(components.reversed())
        var current: [String] = []
        var links = 0
        while let name = pending.popLast() {
            if name.isEmpty || name == "." { continue }
            if name == ".." {
                _ = current.popLast()
                continue
            }
            let candidate = current + [name]
            guard let existing = try lookup(candidate), (existing.info.st_mode & S_IFMT) == S_IFLNK else {
                current = candidate
                continue
            }
            links += 1
            guard links <= ContextTree.maxSymlinks else {
                throw SwrunError(.invalidArgument, "too many levels of symbolic links: " + Self.display(components))
            }
            let target = try readLink(candidate, inUpper: existing.inUpper)
            if target.hasPrefix("/") { current = [] }
            pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
        }
        return current
    }

    private func readLink(_ components: [String], inUpper: Bool) throws -> String {
        if !inUpper, let image, let node = try imageNode(components) { return try image.readLink(node) }
        let parent = try openDirectory(components.dropLast())
        defer { close(parent) }
        return try ContextTree.readLink(parent, components[components.count - 1])
    }

    /// An fd of the existing upper directory `components`, no symlink followed. The
    /// caller closes it.
    func openDirectory<Components: Collection<String>>(_ components: Components) throws -> Int32 {
        let fd = sw_openat2(rootFD, Self.relative(components), UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0,
                            SW_RESOLVE_BENEATH | SW_RESOLVE_NO_SYMLINKS)
        guard fd >= 0 else { throw SwrunError.system("open " + Self.display(components)) }
        return fd
    }

    /// Makes the directory `components` exist in the upper dir, as `mkdir -p` in the
    /// image would: a directory the image has is created with the image's mode and
    /// owner (so the layer leaves it unchanged), a new one with `mode` and `owner`
    /// (0755 and root, or --chmod's and --chown's, as BuildKit's MkdirAll). Returns its
    /// fd; the caller closes it.
    func ensureDirectory(_ components: [String], owner: (uid: UInt32, gid: UInt32), mode: mode_t = 0o755) throws -> Int32 {
        var fd = dup(rootFD)
        guard fd >= 0 else { throw SwrunError.system("dup") }
        do {
            for index in components.indices {
                let name = components[index]
                let prefix = Array(components[...index])
                var info = stat()
                if fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                    guard (info.st_mode & S_IFMT) == S_IFDIR else { throw Self.notADirectory(prefix) }
                } else if errno == ENOENT {
                    try create(name, in: fd, prefix, owner: owner, mode: mode)
                } else {
                    throw SwrunError.system("lstat " + Self.display(prefix))
                }
                let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard next >= 0 else { throw SwrunError.system("open " + Self.display(prefix)) }
                close(fd)
                fd = next
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private func create(_ name: String, in parentFD: Int32, _ components: [String], owner: (uid: UInt32, gid: UInt32),
                        mode newMode: mode_t) throws {
        var mode = newMode
        var uid = owner.uid
        var gid = owner.gid
        if let node = try imageNode(components) {
            guard node.isDirectory else { throw Self.notADirectory(components) }
            mode = node.info.st_mode & 0o7777
            uid = node.info.st_uid
            gid = node.info.st_gid
            copiedUp.append((components, [node.info.st_atim, node.info.st_mtim]))
        }
        guard mkdirat(parentFD, name, 0o700) == 0 else { throw SwrunError.system("mkdir " + Self.display(components)) }
        // Owner before mode: chown clears the setgid bit. The mode is set, not left
        // to the umask.
        guard fchownat(parentFD, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SwrunError.system("chown " + Self.display(components))
        }
        guard fchmodat(parentFD, name, mode, 0) == 0 else { throw SwrunError.system("chmod " + Self.display(components)) }
    }

    /// Sets the times of the directories copied up from the image back to the image's.
    func finish() throws {
        for (components, times) in copiedUp.reversed() {
            let fd = try openDirectory(components)
            defer { close(fd) }
            guard futimens(fd, times) == 0 else { throw SwrunError.system("set times of " + Self.display(components)) }
        }
        copiedUp = []
    }

    static func notADirectory<Components: Collection<String>>(_ components: Components) -> SwrunError {
        SwrunError(.invalidArgument, "mkdir \(display(components)): not a directory")
    }

    /// "/a/b" for messages.
    static func display<Components: Collection<String>>(_ components: Components) -> String {
        "/" + components.joined(separator: "/")
    }

    /// "a/b", "." for the root, for openat2 below the root fd.
    static func relative<Components: Collection<String>>(_ components: Components) -> String {
        components.isEmpty ? "." : components.joined(separator: "/")
    }
}
