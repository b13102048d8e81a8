#if canImport(Glibc)
import Glibc
#endif

/// The store's record of events (`<root>/events/`): append-only lines of
/// `RecordedEvent`, bounded by rotation. The current file becomes `events.log.1` when
/// an append would take it past `rotationSize`, so the log keeps the newest
/// `rotationSize`…2×`rotationSize` bytes. Appends and rotation hold `.lock`
/// exclusively, readers of the history hold it shared; a follower watches the
/// directory (inotify) and finds a rotation by the current file's new inode.
public struct EventLog: Sendable {
    public let directory: String

    /// The log of the store at `root`.
    public init(root: String) {
        directory = root + "/events"
    }

    public var currentPath: String { directory + "/events.log" }
    public var previousPath: String { directory + "/events.log.1" }
    public var lockPath: String { directory + "/.lock" }

    /// 512 KiB of lines is some 3,000 events.
    public static let rotationSize = 512 * 1024

    /// Appends `events` in one write, rotating first when the current file would grow
    /// past `rotationSize`.
    public func append(_ events: [RecordedEvent]) throws {
        guard !events.isEmpty else { return }
        let bytes = Array(events.map(\.line).joined().utf8)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw SwrunError.system("mkdir \(directory)") }
        let lock = try FileLock.open(lockPath, mode: 0o600)
        defer { close(lock) }
        try FileLock.lock(lock, path: lockPath)
        var info = stat()
        if stat(currentPath, &info) == 0 && Int(info.st_size) + bytes.count > Self.rotationSize {
            guard rename(currentPath, previousPath) == 0 else { throw SwrunError.system("rename \(currentPath)") }
        }
        let fd = open(currentPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SwrunError.system("open \(currentPath)") }
        defer { close(fd) }
        try FileIO.writeAll(fd, bytes, step: "write \(currentPath)")
    }

    /// Records `events` where an operation happens: the operation has happened, so a
    /// log that cannot be written (a read-only store, a full disk) does not fail it.
    public func record(_ events: RecordedEvent...) {
        try? append(events)
    }

    /// Every recorded event, oldest first.
    public func read() throws -> [RecordedEvent] {
        guard FileIO.exists(directory) else { return [] }
        let lock = try FileLock.open(lockPath, mode: 0o600)
        defer { close(lock) }
        try FileLock.lockShared(lock, path: lockPath)
        var events: [RecordedEvent] = []
        for path in [previousPath, currentPath] {
            guard let bytes = try? FileIO.readFile(path) else { continue }
            events += Self.parse(bytes[...]).events
        }
        return events
    }

    /// The events of the complete lines in `bytes`, and how many bytes they took (a
    /// line still being written is left for the next read).
    public static func parse(_ bytes: ArraySlice<UInt8>) -> (events: [RecordedEvent], consumed: Int) {
        guard let last = bytes.lastIndex(of: 0x0A) else { return ([], 0) }
        let text = String(decoding: bytes[bytes.startIndex...last], as: UTF8.self)
        let events = text.split(separator: "\n").compactMap { RecordedEvent(line: $0) }
        return (events, last + 1 - bytes.startIndex)
    }
}
