import CArchive
import Glibc
import SwrunOS

/// The metadata of one tar entry that extraction restores.
struct EntryMetadata {
    let uid: uid_t
    let gid: gid_t
    /// Permission bits including setuid, setgid and sticky.
    let permissions: mode_t
    /// [atime, mtime], as utimensat and futimens take them. The atime is the mtime
    /// when the archive has none.
    let times: [timespec]
    private let entry: OpaquePointer

    init(_ entry: OpaquePointer, _ path: EntryPath) throws {
        guard let uid = uid_t(exactly: archive_entry_uid(entry)), let gid = gid_t(exactly: archive_entry_gid(entry)) else {
            throw SwrunError(.corrupt, "layer tar: entry \"\(path.display)\" has an invalid owner")
        }
        self.uid = uid
        self.gid = gid
        self.permissions = archive_entry_perm(entry) & 0o7777
        let mtime = timespec(tv_sec: archive_entry_mtime(entry), tv_nsec: archive_entry_mtime_nsec(entry))
        let atime = archive_entry_atime_is_set(entry) != 0
            ? timespec(tv_sec: archive_entry_atime(entry), tv_nsec: archive_entry_atime_nsec(entry))
            : mtime
        self.times = [atime, mtime]
        self.entry = entry
    }

    /// Sets the entry's xattrs with `set(name, value, size)` (an fsetxattr or
    /// lsetxattr call). The kernel refusing a namespace (EOPNOTSUPP: the filesystem
    /// has no such xattrs) skips that xattr; any other failure throws.
    ///
    /// Overlay's own xattrs (`trusted.overlay.*`, `user.overlay.*`) are dropped: a
    /// layer must not plant redirects or opaque markers; those come only from OCI
    /// whiteout entries.
    func applyXattrs(_ path: EntryPath, _ set: (UnsafePointer<CChar>, UnsafeRawPointer?, Int) -> Int32) throws {
        guard archive_entry_xattr_reset(entry) > 0 else { return }
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            if strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0 { continue }
            if set(name, value, size) != 0 {
                if errno == EOPNOTSUPP { continue }
                throw SwrunError.system("layer tar: set xattr \(String(cString: name)) on \"\(path.display)\"")
            }
        }
    }
}
