#if canImport(Glibc)
import Glibc
#endif
import SwrunDigest
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// The blob with `digest`, verified against it.
    func readBlob(_ digest: Digest) throws -> [UInt8] {
        try content.read(digest)
    }

    /// Stores `bytes` as a blob (if it is not there yet) and returns its descriptor.
    func storeBlob(_ bytes: [UInt8], mediaType: String) throws -> Descriptor {
        let (digest, size) = try content.ingest(bytes)
        return Descriptor(mediaType: mediaType, digest: digest, size: size)
    }

    /// Runs `body` with a new directory under `tmp/`, locked for as long as it runs
    /// and removed afterwards, whatever happens.
    func withWorkDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
        let (path, fd) = try makeWorkDirectory()
        defer { discardWorkDirectory(path, fd: fd) }
        return try body(path)
    }

    /// `withWorkDirectory` for async work (pulls and pushes).
    func withWorkDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let (path, fd) = try makeWorkDirectory()
        defer { discardWorkDirectory(path, fd: fd) }
        return try await body(path)
    }

    private func makeWorkDirectory() throws -> (String, Int32) {
        var path: String
        while true {
            path = tmpDirectory + "/work-" + String(UInt64.random(in: .min ... .max), radix: 16)
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
            discardWorkDirectory(path, fd: fd)
            throw error
        }
        return (path, fd)
    }

    private func discardWorkDirectory(_ path: String, fd: Int32) {
        try? FileIO.removeTree(path)
        close(fd)
    }

    /// Deletes entries of `tmp/` and blob ingests that no live process holds (a
    /// killed process's leftovers). Live work dirs are locked from a moment after
    /// their `mkdir`; the age limit only covers that moment. Failures are ignored:
    /// this is housekeeping.
    func removeStaleTemporaries(olderThan seconds: Int = 10) {
        content.removeStaleIngests(olderThan: seconds)
        guard let directory = opendir(tmpDirectory) else { return }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        closedir(directory)
        let cutoff = time(nil) - seconds
        for name in names {
            let path = tmpDirectory + "/" + name
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
