import CSwrun
import Glibc
import SwrunDockerfile
import SwrunOS

/// The build context as COPY reads it: an open root directory, every lookup inside it
/// (symlinks followed only within the root), and the .dockerignore rules applied, so
/// that an ignored file is never found, copied nor hashed.
final class ContextTree {
    let rootFD: Int32
    let ignore: IgnorePatterns

    /// Symlinks followed in one lookup before it fails, as Linux's ELOOP limit.
    static let maxSymlinks = 40

    init(root: String, ignore: IgnorePatterns) throws {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open build context \(root)") }
        rootFD = fd
        self.ignore = ignore
    }

    deinit { close(rootFD) }

    /// A source as found in the context: its real place (no symlink on the way) and stat.
    struct Found {
        /// Components from the root, symlinks resolved; empty for the root.
        let components: [String]
        let info: stat
        var isDirectory: Bool { (info.st_mode & S_IFMT) == S_IFDIR }
        var contextPath: String { components.joined(separator: "/") }
    }

    /// Looks `components` up from the root, following every symlink (the last one too)
    /// inside the root: an absolute target starts again at the root, `..` stops there.
    /// Nil when it does not exist or .dockerignore hides it (or a symlink on the way).
    func find(_ components: [String]) throws -> Found? {
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
            guard let info = try lstat(candidate), isVisible(candidate.joined(separator: "/"), info) else { return nil }
            guard (info.st_mode & S_IFMT) == S_IFLNK else {
                current = candidate
                continue
            }
            links += 1
            guard links <= Self.maxSymlinks else {
                throw SwrunError(.invalidArgument, "too many levels of symbolic links: /" + components.joined(separator: "/"))
            }
            let target = try readLink(parentComponents: current, name: name)
            if target.hasPrefix("/") { current = [] }
            pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
        }
        guard let info = try lstat(current) else { return nil }
        return Found(components: current, info: info)
    }

    /// Whether the entry at `contextPath` is part of the context after .dockerignore:
    /// not excluded, or an excluded directory that an exception may reach into.
    func isVisible(_ contextPath: String, _ info: stat) -> Bool {
        guard !ignore.isEmpty, ignore.excludes(contextPath) else { return true }
        return (info.st_mode & S_IFMT) == S_IFDIR && ignore.hasExceptions(under: contextPath)
    }

    /// The lstat of `components` (real directories on the way, checked: no symlink is
    /// followed), nil when missing.
    func lstat(_ components: [String]) throws -> stat? {
        let parent = try openDirectory(Array(components.dropLast()))
        guard let parent else { return nil }
        defer { if parent != rootFD { close(parent) } }
        var info = stat()
        guard let name = components.last else {
            guard fstat(rootFD, &info) == 0 else { throw SwrunError.system("stat build context") }
            return info
        }
        if fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SwrunError.system("lstat /" + components.joined(separator: "/"))
    }

    /// An fd of the directory `components` (the root fd itself when empty: do not close
    /// it), opened without following any symlink; nil when it is missing or no directory.
    func openDirectory(_ components: [String]) throws -> Int32? {
        if components.isEmpty { return rootFD }
        let fd = sw_openat2(rootFD, components.joined(separator: "/"), UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0,
                            SW_RESOLVE_BENEATH | SW_RESOLVE_NO_SYMLINKS)
        if fd >= 0 { return fd }
        if errno == ENOENT || errno == ENOTDIR || errno == ELOOP { return nil }
        throw SwrunError.system("open /" + components.joined(separator: "/"))
    }

    private func readLink(parentComponents: [String], name: String) throws -> String {
        guard let parent = try openDirectory(parentComponents) else {
            throw SwrunError(.notFound, "/" + (parentComponents + [name]).joined(separator: "/") + ": vanished")
        }
        defer { if parent != rootFD { close(parent) } }
        return try Self.readLink(parent, name)
    }

    /// The target of the symlink `name` in the directory `dirFD`.
    static func readLink(_ dirFD: Int32, _ name: String) throws -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { raw in
            readlinkat(dirFD, name, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count - 1)
        }
        guard count >= 0 else { throw SwrunError.system("readlink \(name)") }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
