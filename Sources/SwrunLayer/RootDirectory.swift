import CSwrun
import Glibc
import SwrunOS

/// The extraction root, and every lookup below it.
///
/// Each entry's parent directory is opened with `openat2(root, parent,
/// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, and the entry is then created with *at()
/// calls relative to that fd that never follow a final symlink. A symlink anywhere in
/// a parent path is refused rather than followed, even one that would stay inside the
/// root: layers are made by walking a real filesystem, so no entry of a layer ever
/// lies below a symlink of the same layer; only crafted archives do that
/// (`evil -> /etc` then `evil/passwd`).
final class RootDirectory {
    /// The root, opened for reading so its own metadata can be set through it.
    let fd: Int32
    /// The last parent resolved and its fd: consecutive entries mostly share one.
    private var cachedParent: [CChar] = []
    private var cachedFD: Int32 = -1
    /// Set when something was removed: the cached directory may be gone. The fd stays
    /// open until the next lookup, since the entry being written may still use it.
    private var cacheIsStale = false

    static let resolve = SW_RESOLVE_BENEATH | SW_RESOLVE_NO_SYMLINKS | SW_RESOLVE_NO_MAGICLINKS

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("layer tar: open \(path)") }
        self.fd = fd
    }

    deinit {
        invalidate()
        close(fd)
    }

    private func invalidate() {
        if cachedFD >= 0 { close(cachedFD) }
        cachedFD = -1
        cachedParent = []
        cacheIsStale = false
    }

    /// An O_PATH fd of `path`'s parent directory, creating missing directories (0755,
    /// root-owned) on the way, as tar does. Owned by `self`; valid until the next call
    /// or until something is removed.
    func parentFD(of path: EntryPath) throws -> Int32 {
        if path.parentComponents.isEmpty { return fd }
        let parent = path.parent
        if cachedFD >= 0 && !cacheIsStale && parent == cachedParent { return cachedFD }
        invalidate()
        var opened = openBeneath(fd, parent, SW_O_PATH | O_DIRECTORY)
        if opened < 0 && errno == ENOENT {
            opened = try makeDirectories(path.parentComponents, for: path)
        }
        guard opened >= 0 else { throw resolveError("\"\(path.display)\"") }
        cachedFD = opened
        cachedParent = parent
        return opened
    }

    /// A new O_PATH fd of the existing parent directory of `path` (the root itself for
    /// a top-level name); nothing is created. `subject` names `path` in errors. The
    /// caller closes the fd.
    func openExistingParent(of path: EntryPath, subject: String) throws -> Int32 {
        let opened = openBeneath(fd, path.parent, SW_O_PATH | O_DIRECTORY)
        guard opened >= 0 else { throw resolveError(subject) }
        return opened
    }

    /// `openat2` below `dirFD` without following any symlink, retrying EAGAIN (which
    /// the kernel returns when a concurrent rename races the lookup). A symlink in any
    /// component, the last included, fails with ELOOP (no O_NOFOLLOW, which would
    /// turn that into ENOTDIR or open the link itself).
    func openBeneath(_ dirFD: Int32, _ path: [CChar], _ flags: Int32) -> Int32 {
        let how = UInt64(UInt32(bitPattern: flags | O_CLOEXEC))
        var attempts = 0
        while true {
            let opened = sw_openat2(dirFD, path, how, 0, Self.resolve)
            if opened >= 0 || (errno != EAGAIN && errno != EINTR) || attempts >= 100 { return opened }
            attempts += 1
        }
    }

    /// mkdir -p, one component at a time, each step relative to the last fd.
    private func makeDirectories(_ components: ArraySlice<[CChar]>, for path: EntryPath) throws -> Int32 {
        var current = dup(fd)
        guard current >= 0 else { throw SwrunError.system("layer tar: dup") }
        for component in components {
            let name = component + [0]
            var next = openBeneath(current, name, SW_O_PATH | O_DIRECTORY)
            if next < 0 && errno == ENOENT {
                if mkdirat(current, name, 0o755) != 0 && errno != EEXIST {
                    let err = errno
                    close(current)
                    throw SwrunError.system("layer tar: mkdir parent of \"\(path.display)\"", errno: err)
                }
                next = openBeneath(current, name, SW_O_PATH | O_DIRECTORY)
            }
            let err = errno
            close(current)
            guard next >= 0 else {
                errno = err
                throw resolveError("\"\(path.display)\"")
            }
            current = next
        }
        return current
    }

    /// The failed parent lookup in `errno` as an error about `subject`.
    private func resolveError(_ subject: String) -> SwrunError {
        let err = errno
        switch err {
        case ELOOP:
            return SwrunError(.corrupt, "layer tar: \(subject): parent path goes through a symlink")
        case ENOTDIR:
            return SwrunError(.corrupt, "layer tar: \(subject): parent path is not a directory")
        case ENOENT:
            return SwrunError(.corrupt, "layer tar: \(subject): parent directory does not exist")
        case EXDEV:
            return SwrunError(.corrupt, "layer tar: \(subject): parent path leaves the root")
        default:
            return SwrunError.system("layer tar: open parent of \(subject)", errno: err)
        }
    }

    /// Removes `name` in `dirFD`, recursively if it is a directory. Never follows a
    /// symlink: a directory is entered only through an O_NOFOLLOW fd.
    func removeTree(_ dirFD: Int32, _ name: [CChar], for path: EntryPath) throws {
        cacheIsStale = true
        if unlinkat(dirFD, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else {
            throw SwrunError.system("layer tar: remove \"\(path.display)\"")
        }
        let child = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else { throw SwrunError.system("layer tar: open \"\(path.display)\" to remove it") }
        guard let dir = fdopendir(child) else {
            close(child)
            throw SwrunError.system("layer tar: fdopendir \"\(path.display)\"")
        }
        var names: [[CChar]] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 }) + [0]
            }
            if entryName == [46, 0] || entryName == [46, 46, 0] { continue }
            names.append(entryName)
        }
        defer { closedir(dir) }
        for entryName in names {
            try removeTree(dirfd(dir), entryName, for: path)
        }
        guard unlinkat(dirFD, name, AT_REMOVEDIR) == 0 else {
            throw SwrunError.system("layer tar: remove directory \"\(path.display)\"")
        }
    }
}
