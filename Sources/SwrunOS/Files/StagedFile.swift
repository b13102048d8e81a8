#if canImport(Glibc)
import Glibc
#endif

/// A file being written under a hidden temporary name beside its destination (or
/// elsewhere on its filesystem), so that one `rename` publishes it whole: readers see
/// the old file or the new one, never a part. Until `publish` succeeds nothing but the temporary
/// exists; `discard` (or dropping the last reference) removes it.
///
/// Used by one task at a time (a pull stages a layer in one task and publishes it in
/// another, after the first has finished with it).
public final class StagedFile: @unchecked Sendable {
    /// How much of a publish reaches the disk before `publish` returns.
    public enum Durability: Sendable {
        /// fsync the file before the rename and its directory after: once `publish`
        /// returns, the new content survives a crash, and a crash before leaves the old.
        case full
        /// Temporary + rename only: never torn while the system runs, but after a crash
        /// the file may hold the old content or (on some filesystems) nothing. For
        /// caches and for records deleted moments later anyway.
        case atomic
    }

    /// Open for reading and writing, at offset 0 when created.
    public let fd: Int32
    /// Where the content is while it is staged.
    public let temporaryPath: String
    private var pending = true

    /// Creates an empty temporary file beside `destination` (its directory must exist).
    public convenience init(beside destination: String, mode: mode_t = 0o644) throws {
        try self.init(in: FileIO.parentPath(destination), hint: FileIO.baseName(destination), mode: mode)
    }

    /// Creates an empty temporary file `.<hint>.tmp-<random>` in `directory`, for
    /// content whose final name is known only once written (a blob named by its digest).
    public init(in directory: String, hint: String, mode: mode_t = 0o644) throws {
        while true {
            let path = directory + "/." + hint + ".tmp-" + String(UInt64.random(in: .min ... .max), radix: 16)
            let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 {
                self.fd = fd
                self.temporaryPath = path
                return
            }
            if errno != EEXIST { throw SwrunError.system("create \(path)") }
        }
    }

    /// Takes `source` (a file this process wrote and nobody else can change) as the
    /// content by hard-linking it under a temporary name in `directory`: no copy.
    public init(linking source: String, in directory: String, hint: String) throws {
        while true {
            let path = directory + "/." + hint + ".tmp-" + String(UInt64.random(in: .min ... .max), radix: 16)
            if link(source, path) == 0 {
                let fd = Glibc.open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else {
                    let error = SwrunError.system("open \(path)")
                    unlink(path)
                    throw error
                }
                self.fd = fd
                self.temporaryPath = path
                return
            }
            if errno != EEXIST { throw SwrunError.system("link \(source) to \(path)") }
        }
    }

    deinit { discard() }

    /// Renames the content to `destination`, which must be on the temporary's
    /// filesystem, replacing what is there. The fd is closed either way; on failure the
    /// temporary is removed and `destination` is as it was.
    public func publish(as destination: String, durability: Durability = .full) throws {
        precondition(pending, "StagedFile published or discarded twice")
        pending = false
        var failure: SwrunError?
        if durability == .full && fsync(fd) != 0 { failure = SwrunError.system("fsync \(temporaryPath)") }
        // close reports write-back errors on some filesystems (NFS).
        if close(fd) != 0 && failure == nil { failure = SwrunError.system("close \(temporaryPath)") }
        if failure == nil && rename(temporaryPath, destination) != 0 {
            failure = SwrunError.system("rename \(temporaryPath) to \(destination)")
        }
        if let failure {
            unlink(temporaryPath)
            throw failure
        }
        if durability == .full { try FileIO.syncDirectory(FileIO.parentPath(destination)) }
    }

    /// Closes and removes the temporary (again: a no-op).
    public func discard() {
        guard pending else { return }
        pending = false
        close(fd)
        unlink(temporaryPath)
    }
}
