import SwrunOCI
import SwrunOS

/// The image store's index, `index.json`: one entry per tag, annotated with
/// `org.opencontainers.image.ref.name` = the full normalised name, plus untagged
/// entries for images that have none. Readers take no lock (the file is only ever
/// replaced by rename); writers hold `flock` on `.index.lock`.
struct TagIndex: Sendable {
    /// `index.json`.
    let path: String
    /// `.index.lock`.
    let lockPath: String

    /// The index of the store at `root`.
    init(root: String) {
        path = root + "/index.json"
        lockPath = root + "/.index.lock"
    }

    /// Writes an empty index unless there is one.
    func createIfMissing() throws {
        if FileIO.exists(path) { return }
        try withLock {
            if !FileIO.exists(path) { try write(ImageIndex()) }
        }
    }

    /// The current index. Safe without the lock: it is only ever replaced by rename.
    func read() throws -> ImageIndex {
        let bytes = try FileIO.readFile(path)
        return try OCIJSON.decode(ImageIndex.self, from: bytes, what: path)
    }

    /// Runs `body` holding the index lock.
    func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        try FileLock.withExclusiveLock(lockPath, body)
    }

    /// Changes the index under its lock: re-reads it after taking the lock, applies
    /// `change`, and replaces the file atomically if it changed.
    @discardableResult
    func update<Result>(_ change: (inout ImageIndex) throws -> Result) throws -> Result {
        try withLock {
            let before = try read()
            var index = before
            let result = try change(&index)
            if index != before { try write(index) }
            return result
        }
    }

    /// Replaces `index.json` durably; the caller holds the lock.
    func write(_ index: ImageIndex) throws {
        try FileIO.writeDurably(at: path, bytes: try OCIJSON.encode(index))
    }
}
