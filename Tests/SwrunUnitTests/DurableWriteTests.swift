import Glibc
import Testing
import SwrunOS

/// `FileIO.writeDurably`: a file is replaced whole or not at all.
@Suite struct DurableWriteTests {
    let directory: String

    init() throws {
        var template = Array("/tmp/swrun-durable-XXXXXX".utf8CString)
        directory = String(cString: try #require(mkdtemp(&template)))
    }

    @Test(arguments: [StagedFile.Durability.full, .atomic])
    func theTargetIsReplacedWhole(durability: StagedFile.Durability) throws {
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/state.json"
        try FileIO.writeFile(path, "old")
        var before = stat()
        #expect(stat(path, &before) == 0)
        let result = try FileIO.writeDurably(at: path, mode: 0o600, durability: durability) { fd in
            try FileIO.writeAll(fd, Array("new".utf8))
            // Until the rename, readers still see the old content.
            #expect(try FileIO.readString(path) == "old")
            return 7
        }
        #expect(result == 7)
        #expect(try FileIO.readString(path) == "new")
        var after = stat()
        #expect(stat(path, &after) == 0)
        #expect(after.st_ino != before.st_ino)
        #expect(after.st_mode & 0o777 == 0o600)
        #expect(try FileIO.directoryNames(directory) == ["state.json"])
    }

    @Test func aFailingBodyLeavesTheOldContentAndNoTemporary() throws {
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/config.json"
        try FileIO.writeFile(path, "old")
        #expect(throws: SwrunError.self) {
            try FileIO.writeDurably(at: path) { fd in
                try FileIO.writeAll(fd, Array("half".utf8))
                throw SwrunError(.system, "disk on fire")
            }
        }
        #expect(try FileIO.readString(path) == "old")
        #expect(try FileIO.directoryNames(directory) == ["config.json"])
    }

    @Test func aNewFileAppearsOnlyWhenComplete() throws {
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/exit"
        try FileIO.writeDurably(at: path, bytes: Array("0 1 0\n".utf8))
        #expect(try FileIO.readString(path) == "0 1 0\n")
        #expect(throws: SwrunError.self) {
            try FileIO.writeDurably(at: directory + "/other") { _ in throw SwrunError(.system, "no") }
        }
        #expect(try FileIO.directoryNames(directory) == ["exit"])
    }

    @Test func aDroppedStagedFileRemovesItsTemporary() throws {
        defer { try? FileIO.removeTree(directory) }
        var temporary = ""
        do {
            let staged = try StagedFile(in: directory, hint: "blob")
            temporary = staged.temporaryPath
            #expect(FileIO.exists(temporary))
        }
        #expect(!temporary.isEmpty && !FileIO.exists(temporary))
        #expect(try FileIO.directoryNames(directory).isEmpty)
    }

    @Test func theExitRecordIsWrittenThroughIt() throws {
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/" + ExitRecord.fileName
        let record = ExitRecord(exitCode: 137, finishedNanos: 42, oomKilled: true)
        try record.write(to: path, durability: .atomic)
        try ExitRecord(exitCode: 0, finishedNanos: 43, oomKilled: false).write(to: path)
        #expect(ExitRecord.read(path) == ExitRecord(exitCode: 0, finishedNanos: 43, oomKilled: false))
        #expect(try FileIO.directoryNames(directory) == [ExitRecord.fileName])
    }
}

/// `FileLock`: flock(2) locks, per open file description.
@Suite struct FileLockTests {
    let path: String

    init() throws {
        var template = Array("/tmp/swrun-lock-XXXXXX".utf8CString)
        path = String(cString: try #require(mkdtemp(&template))) + "/.lock"
    }

    @Test func anExclusiveLockExcludesATryLockFromAnotherFD() throws {
        defer { try? FileIO.removeTree(FileIO.parentPath(path)) }
        let other = try FileLock.open(path)
        defer { close(other) }
        try FileLock.withExclusiveLock(path) {
            #expect(!FileLock.tryLock(other))
        }
        #expect(FileLock.tryLock(other))
    }

    @Test func sharedLocksShareButExcludeAnExclusiveOne() throws {
        defer { try? FileIO.removeTree(FileIO.parentPath(path)) }
        let reader = try FileLock.open(path, mode: 0o600)
        defer { close(reader) }
        let writer = try FileLock.open(path)
        defer { close(writer) }
        try FileLock.withSharedLock(path) {
            try FileLock.lockShared(reader, path: path)
            #expect(!FileLock.tryLock(writer))
        }
        // The reader's shared lock still holds.
        #expect(!FileLock.tryLock(writer))
        flock(reader, LOCK_UN)
        #expect(FileLock.tryLock(writer))
    }

    @Test func theAsyncVariantsHoldTheLockAcrossTheBody() async throws {
        defer { try? FileIO.removeTree(FileIO.parentPath(path)) }
        let other = try FileLock.open(path)
        defer { close(other) }
        try await FileLock.withExclusiveLock(path) {
            await Task.yield()
            #expect(!FileLock.tryLock(other))
        }
        try await FileLock.withSharedLock(path) {
            await Task.yield()
            #expect(!FileLock.tryLock(other))
        }
        #expect(FileLock.tryLock(other))
    }
}
