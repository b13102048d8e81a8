import CArchive
import CSwrun
import Glibc
import SwrunOS

/// Writes tar entries below a `RootDirectory`, as tar does: a later entry for a path
/// replaces what an earlier one wrote there, except that a directory over a directory
/// only updates its metadata. Directory times are set last, in `finish()`, since
/// writing the children would change them.
final class EntryWriter {
    let root: RootDirectory
    /// Times for each directory entry, keyed by its NUL-terminated relative path.
    private var directoryTimes: [[CChar]: [timespec]] = [:]

    init(root: RootDirectory) {
        self.root = root
    }

    func write(_ entry: OpaquePointer, from tar: TarReader) throws {
        guard let rawName = archive_entry_pathname(entry) else {
            throw SwrunError(.corrupt, "layer tar: entry without a usable name")
        }
        let path = try EntryPath(rawName, role: "entry")
        if try writeWhiteout(path) { return }
        if let target = archive_entry_hardlink(entry) {
            try writeHardlink(path, target: target)
            return
        }
        let metadata = try EntryMetadata(entry, path)
        let type = archive_entry_filetype(entry)
        if path.isRoot && type != S_IFDIR {
            throw SwrunError(.corrupt, "layer tar: entry \"\(path.display)\" names the root but is not a directory")
        }
        switch type {
        case S_IFREG: try writeFile(path, metadata, entry, tar)
        case S_IFDIR: try writeDirectory(path, metadata)
        case S_IFLNK: try writeSymlink(path, metadata, entry)
        case S_IFCHR, S_IFBLK, S_IFIFO: try writeNode(path, metadata, type: type, device: archive_entry_rdev(entry))
        default:
            throw SwrunError(.corrupt, "layer tar: entry \"\(path.display)\" has unsupported file type 0o\(String(type, radix: 8))")
        }
    }

    /// Sets the directory times recorded while writing.
    func finish() throws {
        for (relative, times) in directoryTimes {
            let fd = root.openBeneath(root.fd, relative, O_RDONLY | O_DIRECTORY)
            if fd < 0 {
                // A later entry removed or replaced it.
                if errno == ENOENT || errno == ENOTDIR || errno == ELOOP { continue }
                throw SwrunError.system("layer tar: open \"\(EntryPath.display(relative))\" to set its times")
            }
            defer { close(fd) }
            guard futimens(fd, times) == 0 else {
                throw SwrunError.system("layer tar: set times of \"\(EntryPath.display(relative))\"")
            }
        }
    }

    private func writeFile(_ path: EntryPath, _ metadata: EntryMetadata, _ entry: OpaquePointer, _ tar: TarReader) throws {
        let parent = try root.parentFD(of: path)
        let name = path.name
        let fd = try create(path, in: parent) {
            openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        defer { close(fd) }
        try tar.copyData(of: entry, path, to: fd)
        // Owner before mode: chown clears the setuid and setgid bits. Xattrs after
        // chown, which drops security.capability.
        guard fchown(fd, metadata.uid, metadata.gid) == 0 else { throw SwrunError.system("layer tar: chown \"\(path.display)\"") }
        guard fchmod(fd, metadata.permissions) == 0 else { throw SwrunError.system("layer tar: chmod \"\(path.display)\"") }
        try metadata.applyXattrs(path) { sw_fsetxattr(fd, $0, $1, $2) }
        guard futimens(fd, metadata.times) == 0 else { throw SwrunError.system("layer tar: set times of \"\(path.display)\"") }
    }

    private func writeDirectory(_ path: EntryPath, _ metadata: EntryMetadata) throws {
        let fd: Int32
        if path.isRoot {
            fd = dup(root.fd)
        } else {
            let parent = try root.parentFD(of: path)
            let name = path.name
            if mkdirat(parent, name, 0o700) != 0 {
                guard errno == EEXIST else { throw SwrunError.system("layer tar: mkdir \"\(path.display)\"") }
                var existing = stat()
                guard fstatat(parent, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw SwrunError.system("layer tar: stat \"\(path.display)\"")
                }
                if existing.st_mode & S_IFMT != S_IFDIR {
                    try root.removeTree(parent, name, for: path)
                    guard mkdirat(parent, name, 0o700) == 0 else { throw SwrunError.system("layer tar: mkdir \"\(path.display)\"") }
                }
            }
            fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard fd >= 0 else { throw SwrunError.system("layer tar: open \"\(path.display)\"") }
        defer { close(fd) }
        guard fchown(fd, metadata.uid, metadata.gid) == 0 else { throw SwrunError.system("layer tar: chown \"\(path.display)\"") }
        guard fchmod(fd, metadata.permissions) == 0 else { throw SwrunError.system("layer tar: chmod \"\(path.display)\"") }
        try metadata.applyXattrs(path) { sw_fsetxattr(fd, $0, $1, $2) }
        directoryTimes[path.relative] = metadata.times
    }

    private func writeSymlink(_ path: EntryPath, _ metadata: EntryMetadata, _ entry: OpaquePointer) throws {
        // The target is stored as given and never followed here: every lookup below
        // the root refuses symlinks.
        guard let target = archive_entry_symlink(entry) else {
            throw SwrunError(.corrupt, "layer tar: symlink \"\(path.display)\" has no target")
        }
        let parent = try root.parentFD(of: path)
        let name = path.name
        _ = try create(path, in: parent) { symlinkat(target, parent, name) }
        try setOwnerAndTimes(path, metadata, parent: parent, name: name, mode: nil)
    }

    private func writeNode(_ path: EntryPath, _ metadata: EntryMetadata, type: mode_t, device: dev_t) throws {
        let parent = try root.parentFD(of: path)
        let name = path.name
        _ = try create(path, in: parent) { mknodat(parent, name, type | 0o600, type == S_IFIFO ? 0 : device) }
        try setOwnerAndTimes(path, metadata, parent: parent, name: name, mode: metadata.permissions)
    }

    private func writeHardlink(_ path: EntryPath, target rawTarget: UnsafePointer<CChar>) throws {
        let target = try EntryPath(rawTarget, role: "hardlink \"\(path.display)\" target")
        guard !path.isRoot, !target.isRoot else {
            throw SwrunError(.corrupt, "layer tar: hardlink \"\(path.display)\" -> \"\(target.display)\" involves the root")
        }
        if target.components == path.components { return }
        let targetDir = try root.openExistingParent(
            of: target, subject: "hardlink \"\(path.display)\" target \"\(target.display)\"")
        defer { close(targetDir) }
        let parent = try root.parentFD(of: path)
        let name = path.name
        let targetName = target.name
        // Flags 0: a symlink as target is linked itself, never followed.
        if linkat(targetDir, targetName, parent, name, 0) == 0 { return }
        if errno == ENOENT {
            throw SwrunError(.corrupt, "layer tar: hardlink \"\(path.display)\": target \"\(target.display)\" does not exist")
        }
        guard errno == EEXIST else { throw SwrunError.system("layer tar: link \"\(path.display)\"") }
        try root.removeTree(parent, name, for: path)
        guard linkat(targetDir, targetName, parent, name, 0) == 0 else {
            throw SwrunError.system("layer tar: link \"\(path.display)\"")
        }
    }

    /// Runs `make` (a creating *at() call that returns an fd or 0, and -1 on failure);
    /// if the name exists, removes what is there and runs it once more.
    func create(_ path: EntryPath, in parent: Int32, _ make: () -> Int32) throws -> Int32 {
        let result = make()
        if result >= 0 { return result }
        guard errno == EEXIST else { throw SwrunError.system("layer tar: create \"\(path.display)\"") }
        try root.removeTree(parent, path.name, for: path)
        let retried = make()
        guard retried >= 0 else { throw SwrunError.system("layer tar: create \"\(path.display)\"") }
        return retried
    }

    /// Metadata of an entry that cannot be opened safely (symlinks, devices, fifos),
    /// set by name relative to its parent without following a final symlink.
    private func setOwnerAndTimes(_ path: EntryPath, _ metadata: EntryMetadata, parent: Int32, name: [CChar], mode: mode_t?) throws {
        guard fchownat(parent, name, metadata.uid, metadata.gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SwrunError.system("layer tar: chown \"\(path.display)\"")
        }
        // The node was just created here and is not a symlink, so following is moot.
        if let mode, fchmodat(parent, name, mode, 0) != 0 {
            throw SwrunError.system("layer tar: chmod \"\(path.display)\"")
        }
        // lsetxattr has no *at() form in glibc: name the entry through its parent's fd.
        // The kernel resolves the /proc magic link to that very directory.
        let procPath = Array("/proc/self/fd/\(parent)/".utf8CString.dropLast()) + name
        try metadata.applyXattrs(path) { sw_lsetxattr(procPath, $0, $1, $2) }
        guard utimensat(parent, name, metadata.times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SwrunError.system("layer tar: set times of \"\(path.display)\"")
        }
    }
}
