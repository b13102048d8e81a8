#if canImport(Glibc)
import Glibc
#endif

/// `flock(2)` locks on lock files, the one lock swrun's processes share a store with.
/// A lock is released when the holder's fd closes, so a crashed process never leaves
/// one behind. Lock files are never deleted (deleting one would let two processes each
/// lock a different inode under the same name).
public enum FileLock {
    /// Opens the lock file at `path`, creating it with `mode` if missing. Read-only is
    /// enough for `flock`, and lets a reader without write access take a shared lock.
    public static func open(_ path: String, mode: mode_t = 0o644) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        return fd
    }

    /// Opens the directory at `path` to lock it: a directory that exists anyway needs
    /// no lock file of its own (one inode less to make and delete).
    public static func openDirectory(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        return fd
    }

    /// Blocks until `fd` holds an exclusive lock.
    public static func lock(_ fd: Int32, path: String) throws {
        try take(fd, LOCK_EX, path: path)
    }

    /// Blocks until `fd` holds a shared lock.
    public static func lockShared(_ fd: Int32, path: String) throws {
        try take(fd, LOCK_SH, path: path)
    }

    /// Takes an exclusive lock on `fd` if nobody holds one; false when someone does.
    public static func tryLock(_ fd: Int32) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return false
        }
        return true
    }

    /// Runs `body` while holding an exclusive lock on the file at `path` (created with
    /// `mode` if missing).
    public static func withExclusiveLock<Result>(
        _ path: String, mode: mode_t = 0o644, _ body: () throws -> Result
    ) throws -> Result {
        let fd = try locked(path, LOCK_EX, mode: mode)
        defer { close(fd) }
        return try body()
    }

    /// `withExclusiveLock` for async work.
    public static func withExclusiveLock<Result>(
        _ path: String, mode: mode_t = 0o644, _ body: () async throws -> Result
    ) async throws -> Result {
        let fd = try locked(path, LOCK_EX, mode: mode)
        defer { close(fd) }
        return try await body()
    }

    /// Runs `body` while holding a shared lock on the file at `path` (created with
    /// `mode` if missing).
    public static func withSharedLock<Result>(
        _ path: String, mode: mode_t = 0o644, _ body: () throws -> Result
    ) throws -> Result {
        let fd = try locked(path, LOCK_SH, mode: mode)
        defer { close(fd) }
        return try body()
    }

    /// `withSharedLock` for async work.
    public static func withSharedLock<Result>(
        _ path: String, mode: mode_t = 0o644, _ body: () async throws -> Result
    ) async throws -> Result {
        let fd = try locked(path, LOCK_SH, mode: mode)
        defer { close(fd) }
        return try await body()
    }

    /// The fd of the lock file at `path`, holding the lock `operation`.
    private static func locked(_ path: String, _ operation: Int32, mode: mode_t) throws -> Int32 {
        let fd = try open(path, mode: mode)
        do {
            try take(fd, operation, path: path)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func take(_ fd: Int32, _ operation: Int32, path: String) throws {
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            throw SwrunError.system("flock \(path)")
        }
    }
}
