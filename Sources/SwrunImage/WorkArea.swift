#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// The store's `tmp/`: locked work directories for work in progress (extractions,
/// pulls, loads, pushes) and the content store's ingests, on the store's filesystem
/// so that finished work is renamed into place.
struct WorkArea: Sendable {
    /// `tmp/`.
    let directory: String
    /// Whose ingests (`ContentStore.ingestDirectory`, this directory) are cleaned with it.
    let content: ContentStore

    /// Runs `body` with a new directory under `tmp/`, locked for as long as it runs
    /// and removed afterwards, whatever happens.
    func withDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
        let (path, fd) = try makeDirectory()
        defer { discard(path, fd: fd) }
        return try body(path)
    }

    /// `withDirectory` for async work (pulls and pushes).
    func withDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let (path, fd) = try makeDirectory()
        defer { discard(path, fd: fd) }
        return try await body(path)
    }

    private func makeDirectory() throws -> (String, Int32) {
        var path: String
        while true {
            path = directory + "/work-" + String(UInt64.random(in: .min ... .max), radix: 16)
            if mkdir(path, 0o700) == 0 { break }
            if errno != EEXIST { throw SwrunError.system("mkdir \(path)") }
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = SwrunError.system("open \(path)")
            rmdir(path)
            throw error
        }
        do {
            try FileLock.lock(fd, path: path)
        } catch {
            discard(path, fd: fd)
            throw error
        }
        return (path, fd)
    }

    private func discard(_ path: String, fd: Int32) {
        try? FileIO.removeTree(path)
        close(fd)
    }

    /// Deletes entries of `tmp/` and blob ingests that no live process holds (a
    /// killed process's leftovers). Live work dirs are locked from a moment after
    /// their `mkdir`; the age limit only covers that moment. Failures are ignored:
    /// this is housekeeping.
    func removeStale(olderThan seconds: Int = 10) {
        content.removeStaleIngests(olderThan: seconds)
        guard let stream = opendir(directory) else { return }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        closedir(stream)
        let cutoff = time(nil) - seconds
        for name in names {
            let path = directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mtim.tv_sec < cutoff else { continue }
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                if (st.st_mode & S_IFMT) == S_IFLNK { unlink(path) }
                continue
            }
            if FileLock.tryLock(fd) { try? FileIO.removeTree(path) }
            close(fd)
        }
    }
}
