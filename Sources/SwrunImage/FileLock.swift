#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// `flock(2)` locks: they are released when the holder's fd closes, so a crashed
/// process never leaves one behind. Lock files are never deleted (deleting one would
/// let two processes each lock a different inode under the same name).
enum FileLock {
    /// Runs `body` while holding an exclusive lock on the file at `path` (created if missing).
    static func withExclusiveLock<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        try lock(fd, path: path)
        return try body()
    }

    /// Runs `body` while holding a shared lock on the file at `path` (created if missing).
    static func withSharedLock<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        let fd = try openShared(path)
        defer { close(fd) }
        return try body()
    }

    /// `withSharedLock` for async work.
    static func withSharedLock<Result>(_ path: String, _ body: () async throws -> Result) async throws -> Result {
        let fd = try openShared(path)
        defer { close(fd) }
        return try await body()
    }

    private static func openShared(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        while flock(fd, LOCK_SH) != 0 {
            if errno == EINTR { continue }
            let error = SwrunError.system("flock \(path)")
            close(fd)
            throw error
        }
        return fd
    }

    /// Blocks until `fd` holds an exclusive lock.
    static func lock(_ fd: Int32, path: String) throws {
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            throw SwrunError.system("flock \(path)")
        }
    }

    /// Takes an exclusive lock on `fd` if nobody holds one; false when someone does.
    static func tryLock(_ fd: Int32) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return false
        }
        return true
    }
}
