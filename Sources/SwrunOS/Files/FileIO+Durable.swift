#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// Replaces the file at `path` with what `body` writes to the fd it is given: a
    /// temporary file beside it is written, fsynced, renamed over `path`, and the
    /// directory fsynced (`durability` `.atomic` skips both fsyncs). If anything fails,
    /// `body` included, the temporary is removed and `path` keeps its old content.
    @discardableResult
    public static func writeDurably<Result>(
        at path: String, mode: mode_t = 0o644, durability: StagedFile.Durability = .full,
        _ body: (Int32) throws -> Result
    ) throws -> Result {
        let staged = try StagedFile(beside: path, mode: mode)
        let result: Result
        do {
            result = try body(staged.fd)
        } catch {
            staged.discard()
            throw error
        }
        try staged.publish(as: path, durability: durability)
        return result
    }

    /// `writeDurably` of `bytes`.
    public static func writeDurably(
        at path: String, bytes: [UInt8], mode: mode_t = 0o644, durability: StagedFile.Durability = .full
    ) throws {
        try writeDurably(at: path, mode: mode, durability: durability) { fd in
            try writeAll(fd, bytes, step: "write \(path)")
        }
    }

    /// fsyncs the directory at `path`, so the renames and links into it survive a crash.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SwrunError.system("fsync \(path)") }
    }

    /// fsyncs the file at `path`.
    public static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SwrunError.system("fsync \(path)") }
    }

    /// The last component of `path` ("/a/b" → "b").
    public static func baseName(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }
}
