#if canImport(Glibc)
import Glibc
#endif
import SwrunDigest
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// The blob with `digest`, verified against it.
    func readBlob(_ digest: Digest) throws -> [UInt8] {
        let path = blobPath(digest)
        guard FileIO.exists(path) else { throw SwrunError(.notFound, "blob \(digest) is missing from the store") }
        let bytes = try FileIO.readFile(path)
        let actual = Digest.sha256(of: bytes)
        guard actual == digest else {
            throw SwrunError(.corrupt, "blob \(digest): content has digest \(actual)")
        }
        return bytes
    }

    /// Stores `bytes` as a blob (if it is not there yet) and returns its descriptor.
    func storeBlob(_ bytes: [UInt8], mediaType: String) throws -> Descriptor {
        let digest = Digest.sha256(of: bytes)
        let descriptor = Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
        var st = stat()
        if lstat(blobPath(digest), &st) == 0 && Int64(st.st_size) == descriptor.size { return descriptor }
        try withWorkDirectory { work in
            let path = work + "/blob"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SwrunError.system("open \(path)") }
            defer { close(fd) }
            try FileIO.writeAll(fd, bytes, step: "write \(path)")
            guard fsync(fd) == 0 else { throw SwrunError.system("fsync \(path)") }
            try publishBlob(path, digest: digest)
        }
        return descriptor
    }

    /// Checks that the file open at `fd` holds exactly `size` bytes hashing to `digest`.
    func verifyBlob(fd: Int32, path: String, digest: Digest, size: Int64) throws {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SwrunError.system("lseek \(path)") }
        let (actual, total) = try digestOfFile(fd: fd, path: path)
        guard actual == digest, total == size else {
            throw SwrunError(.corrupt, "blob \(digest): wrote \(total) bytes with digest \(actual), expected \(size) bytes")
        }
    }

    /// sha256 and byte count of what is left to read from `fd`.
    func digestOfFile(fd: Int32, path: String) throws -> (Digest, Int64) {
        var hasher = DigestHasher()
        var total: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("read \(path)")
            }
            if count == 0 { break }
            hasher.update(chunk[0..<count])
            total += Int64(count)
        }
        return (hasher.finalize(), total)
    }

    /// Renames the complete, fsynced file at `path` to the blob `digest`. Replacing an
    /// existing blob is harmless: the content is the same.
    func publishBlob(_ path: String, digest: Digest) throws {
        let target = blobPath(digest)
        guard rename(path, target) == 0 else { throw SwrunError.system("rename \(path) to \(target)") }
        try syncDirectory(blobsDirectory)
    }

    /// Writes `bytes` to `path` through a fsynced temporary file and a rename.
    func writeAtomically(_ path: String, bytes: [UInt8]) throws {
        try withWorkDirectory { work in
            let temporary = work + "/file"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SwrunError.system("open \(temporary)") }
            defer { close(fd) }
            try FileIO.writeAll(fd, bytes, step: "write \(temporary)")
            guard fsync(fd) == 0 else { throw SwrunError.system("fsync \(temporary)") }
            guard rename(temporary, path) == 0 else { throw SwrunError.system("rename \(temporary) to \(path)") }
            try syncDirectory(FileIO.parentPath(path))
        }
    }

    /// fsyncs a directory so the renames into it survive a crash.
    func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SwrunError.system("fsync \(path)") }
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

    /// Deletes entries of `tmp/` that no live process holds (a killed process's
    /// leftovers). Live work dirs are locked from a moment after their `mkdir`; the
    /// age limit only covers that moment. Failures are ignored: this is housekeeping.
    func removeStaleTemporaries(olderThan seconds: Int = 10) {
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
