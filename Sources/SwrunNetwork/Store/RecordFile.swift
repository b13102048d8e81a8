import Glibc
import SwrunOS

/// Small files whose existence is the record (an address or a port in use) and whose
/// content names the holder. They are created whole or not at all: the content is
/// written to a temporary beside the name and hard-linked to it, which fails if the
/// name exists (an O_EXCL create that cannot leave an empty file behind).
enum RecordFile {
    /// Creates `path` holding `contents`; false when something is already there.
    static func create(_ path: String, contents: String, durability: StagedFile.Durability) throws -> Bool {
        let staged = try StagedFile(beside: path, mode: 0o600)
        defer { staged.discard() }
        try FileIO.writeAll(staged.fd, Array(contents.utf8), step: "write \(staged.temporaryPath)")
        if durability == .full, fsync(staged.fd) != 0 { throw SwrunError.system("fsync \(staged.temporaryPath)") }
        guard link(staged.temporaryPath, path) == 0 else {
            if errno == EEXIST { return false }
            throw SwrunError.system("link \(path)")
        }
        staged.discard()
        if durability == .full { try FileIO.syncDirectory(FileIO.parentPath(path)) }
        return true
    }

    /// Removes the records at `paths` (missing ones are fine), then makes that durable.
    static func remove(_ paths: [String], durability: StagedFile.Durability) throws {
        for path in paths where unlink(path) != 0 && errno != ENOENT {
            throw SwrunError.system("unlink \(path)")
        }
        if durability == .full, let first = paths.first { try FileIO.syncDirectory(FileIO.parentPath(first)) }
    }

    /// The records in `directory` with their contents; hidden names are not records.
    /// Temporaries of `create` (".NAME.tmp-HEX") found while `sweeping` (the caller
    /// holds the lock every writer takes, so no write is under way) are a crash's
    /// leftovers and are deleted; other hidden files (a lock) are left alone.
    static func readAll(in directory: String, sweeping: Bool) throws -> [(name: String, contents: String)] {
        let names: [String]
        do {
            names = try FileIO.directoryNames(directory)
        } catch let error as SwrunError where error.errno == ENOENT {
            return []
        }
        var records: [(name: String, contents: String)] = []
        for name in names {
            if name.hasPrefix(".") {
                if sweeping && name.contains(".tmp-") { unlink(directory + "/" + name) }
                continue
            }
            guard let contents = try? FileIO.readString(directory + "/" + name) else { continue }
            records.append((name, contents))
        }
        return records
    }

    /// An ID that can be a record's content and part of a message: non-empty, no white
    /// space, no slash.
    static func validateHolder(_ id: String) throws {
        guard !id.isEmpty, id.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") }) else {
            throw SwrunError(.invalidArgument, "invalid container ID \"\(id)\"")
        }
    }
}
