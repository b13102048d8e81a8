#if canImport(Glibc)
import Glibc
#endif
import SwrunDigest
import SwrunOCI
import SwrunOS

extension ContentStore {
    /// Temporaries of ingests in progress are `.ingest.tmp-<random>` in
    /// `ingestDirectory`, flocked by their writer.
    static let ingestHint = "ingest"

    /// Starts a blob: an empty temporary file in the store, locked so that
    /// `removeStaleIngests` leaves it alone. Write to its fd, then `commit` it; dropping
    /// or discarding it removes it.
    func beginIngest() throws -> StagedFile {
        try Self.locked(StagedFile(in: ingestDirectory, hint: Self.ingestHint))
    }

    /// Checks `staged` and publishes it as its blob: its sha256 must be `expected` and
    /// its size `size`, where given. `written` is the digest the writer took of exactly
    /// the bytes it wrote (a tee while writing, a registry stream checked as it arrived);
    /// without it the file is read back and hashed here. If the blob is present already
    /// it is kept and `staged` discarded. On a mismatch or failure nothing is published.
    @discardableResult
    func commit(_ staged: StagedFile, expected: Digest? = nil, size: Int64? = nil, written: Digest? = nil) throws -> (digest: Digest, size: Int64) {
        do {
            var st = stat()
            guard fstat(staged.fd, &st) == 0 else { throw SwrunError.system("fstat \(staged.temporaryPath)") }
            let actualSize = Int64(st.st_size)
            let actual: Digest
            if let written {
                actual = written
            } else {
                guard lseek(staged.fd, 0, SEEK_SET) == 0 else { throw SwrunError.system("lseek \(staged.temporaryPath)") }
                actual = try Self.digest(ofFD: staged.fd, path: staged.temporaryPath).0
            }
            let claimed = expected ?? actual
            guard actual == claimed, size == nil || size == actualSize else {
                throw SwrunError(.corrupt, "blob \(claimed): wrote \(actualSize) bytes with digest \(actual), expected \(size ?? actualSize) bytes")
            }
            if contains(actual, size: actualSize) {
                staged.discard()
            } else {
                try staged.publish(as: path(of: actual))
            }
            return (actual, actualSize)
        } catch {
            staged.discard()
            throw error
        }
    }

    /// Runs `body` with a new ingest (`beginIngest`); whatever `body` did not commit
    /// is removed when it returns or throws.
    func ingest<Result>(_ body: (StagedFile) throws -> Result) throws -> Result {
        let staged = try beginIngest()
        defer { staged.discard() }
        return try body(staged)
    }

    /// Stores `bytes` as a blob unless it is present, and returns its digest and size.
    func ingest(_ bytes: [UInt8]) throws -> (digest: Digest, size: Int64) {
        let digest = Digest.sha256(of: bytes)
        let size = Int64(bytes.count)
        if contains(digest, size: size) { return (digest, size) }
        return try ingest { staged in
            try FileIO.writeAll(staged.fd, bytes, step: "write \(staged.temporaryPath)")
            return try commit(staged, expected: digest, size: size, written: digest)
        }
    }

    /// Stores the file at `source` as the blob `digest` of `size` bytes unless it is
    /// present. A `linkable` file (this process's own, hashed as it was written, in a
    /// place only this process writes) is hard-linked in; anything else is copied and
    /// the copy hashed again, so later edits to the source cannot change a stored blob.
    func ingest(contentsOf source: String, digest: Digest, size: Int64, linkable: Bool) throws {
        if contains(digest, size: size) { return }
        if linkable {
            try commit(Self.locked(StagedFile(linking: source, in: ingestDirectory, hint: Self.ingestHint)),
                       expected: digest, size: size, written: digest)
            return
        }
        try ingest { staged in
            try FileIO.copyFile(source, toFD: staged.fd, named: staged.temporaryPath)
            try commit(staged, expected: digest, size: size)
        }
    }

    /// Deletes ingest temporaries that no live process holds (a killed process's).
    /// The age limit covers the moment between a temporary's creation and its lock;
    /// ctime, because linking a file in changes it. Failures are ignored: housekeeping.
    func removeStaleIngests(olderThan seconds: Int = 10) {
        let prefix = "." + Self.ingestHint + ".tmp-"
        let cutoff = time(nil) - seconds
        for name in (try? FileIO.directoryNames(ingestDirectory)) ?? [] where name.hasPrefix(prefix) {
            let path = ingestDirectory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, st.st_ctim.tv_sec < cutoff else { continue }
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if FileLock.tryLock(fd) { unlink(path) }
            close(fd)
        }
    }

    /// `staged` with its fd locked (see `removeStaleIngests`).
    private static func locked(_ staged: StagedFile) throws -> StagedFile {
        guard FileLock.tryLock(staged.fd) else {
            throw SwrunError(.internalError, "ingest \(staged.temporaryPath) is locked by another process")
        }
        return staged
    }
}
