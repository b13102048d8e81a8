import Foundation
import SwrunOS

/// Reads the store's event log as it grows: an inotify watch on its directory wakes it
/// for each append and for a rotation, which it finds by the current file's new inode
/// (the old one, now `events.log.1`, is read to its end first). Never polls.
final class EventsFollower {
    private let log: EventLog
    private let watch: Int32
    private var fd: Int32 = -1
    private var inode: ino_t = 0
    /// Bytes of a line still being written.
    private var partial: [UInt8] = []

    /// Starts watching the log's directory (made if missing).
    init(log: EventLog) throws {
        self.log = log
        if mkdir(log.directory, 0o700) != 0 && errno != EEXIST { throw SwrunError.system("mkdir \(log.directory)") }
        watch = inotify_init1(Int32(IN_CLOEXEC))
        guard watch >= 0 else { throw SwrunError.system("inotify_init1") }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM)
        guard inotify_add_watch(watch, log.directory, mask) >= 0 else { throw SwrunError.system("inotify_add_watch \(log.directory)") }
    }

    deinit {
        close(watch)
        if fd >= 0 { close(fd) }
    }

    /// The events recorded so far (with `history`), from here on the follower's
    /// position. The watch was made before, so nothing appended meanwhile is missed.
    func start(history: Bool) throws -> [RecordedEvent] {
        // Shared: no rotation between reading the previous file and opening the current.
        try FileLock.withSharedLock(log.lockPath, mode: 0o600) {
            var events: [RecordedEvent] = []
            if history, let bytes = try? FileIO.readFile(log.previousPath) {
                events += EventLog.parse(bytes[...]).events
            }
            openCurrent()
            if history { return events + readCurrent() }
            if fd >= 0 { lseek(fd, 0, SEEK_END) }
            return events
        }
    }

    /// Blocks until new events arrive or `deadline` (ns since the epoch) passes; nil then.
    func next(deadline: Int64?) throws -> [RecordedEvent]? {
        while true {
            var events = readCurrent()
            if currentFileChanged() {
                events += readCurrent()
                if fd >= 0 { close(fd) }
                fd = -1
                partial = []
                openCurrent()
                events += readCurrent()
            }
            if !events.isEmpty { return events }
            var timeout: Int32 = -1
            if let deadline {
                let left = deadline - ExitRecord.nowNanos()
                guard left > 0 else { return nil }
                timeout = Int32(min(left / 1_000_000 + 1, Int64(Int32.max)))
            }
            var pfd = pollfd(fd: watch, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, timeout)
            if ready < 0 && errno != EINTR { throw SwrunError.system("poll") }
            if ready > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = buffer.withUnsafeMutableBytes { read(watch, $0.baseAddress, $0.count) }
            }
        }
    }

    private func openCurrent() {
        fd = open(log.currentPath, O_RDONLY | O_CLOEXEC)
        var info = stat()
        inode = fd >= 0 && fstat(fd, &info) == 0 ? info.st_ino : 0
    }

    /// True when `events.log` is another file than the one open (rotated, or made).
    private func currentFileChanged() -> Bool {
        var info = stat()
        guard stat(log.currentPath, &info) == 0 else { return false }
        return fd < 0 || info.st_ino != inode
    }

    private func readCurrent() -> [RecordedEvent] {
        guard fd >= 0, let bytes = try? FileIO.readAll(fd) else { return [] }
        partial += bytes
        let (events, consumed) = EventLog.parse(partial[...])
        partial.removeFirst(consumed)
        return events
    }
}
