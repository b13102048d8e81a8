import FoundationEssentials
import Glibc
import SwrunJSON
import SwrunOS

/// One line of a container's json-file log: `{"log":"hi\n","stream":"stdout","time":"…"}`.
public struct LogEntry: Sendable, Equatable {
    public enum Stream: String, Sendable {
        case stdout, stderr
    }
    public var stream: Stream
    /// The bytes the container wrote, as text (docker's writer turns invalid UTF-8 into U+FFFD).
    public var log: String
    /// RFC 3339 time as stored (Go trims trailing zeros of the fraction).
    public var time: String
    /// The line's `attrs` (`--log-opt labels=…`), which `logs --details` shows.
    public var attributes: [String: String] = [:]

    public init(stream: Stream, log: String, time: String) {
        self.stream = stream
        self.log = log
        self.time = time
    }

    /// The time with exactly nine fraction digits, as `docker logs -t` prints it.
    public var fixedTime: String {
        guard let t = time.firstIndex(of: "T"),
              let zone = time[t...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) else { return time }
        let head = time[..<zone]
        var fraction = ""
        var seconds = head
        if let dot = head.firstIndex(of: ".") {
            seconds = head[..<dot]
            fraction = String(head[head.index(after: dot)...].prefix(9))
        }
        return seconds + "." + fraction + String(repeating: "0", count: 9 - fraction.count) + time[zone...]
    }
}

/// Reads docker json-file logs (`containers/<id>/container.log`).
public enum ContainerLog {
    /// The entries of the log at `path`; with `tail`, only the last `tail` ones. A
    /// missing file has none; a last line without its newline (still being written)
    /// is left out, as are lines that are not log entries.
    /// Rotated files (`path.1`, `path.2` …, newest first) are read too, oldest first.
    public static func entries(_ path: String, tail: Int? = nil) throws -> [LogEntry] {
        try entries(of: files(path), tail: tail)
    }

    /// The log's files, oldest first: the rotated ones (`path.N` … `path.1`), then `path`.
    public static func files(_ path: String) -> [String] {
        var rotated: [String] = []
        while access(path + ".\(rotated.count + 1)", F_OK) == 0 { rotated.append(path + ".\(rotated.count + 1)") }
        return rotated.reversed() + [path]
    }

    /// The entries of `files` (oldest first), the last `tail` of them when given.
    static func entries(of files: [String], tail: Int?) throws -> [LogEntry] {
        var result: [LogEntry] = []
        for file in files.reversed() {
            let wanted = tail.map { $0 - result.count }
            if let wanted, wanted <= 0 { break }
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                if errno == ENOENT { continue }
                throw SwrunError.system("open \(file)")
            }
            defer { close(fd) }
            result = try readEntries(fd: fd, tail: wanted).entries + result
        }
        return result
    }

    /// Prints the log and then what is appended to it (`logs -f`): `emit` gets the
    /// entries read in each pass. Polls every `interval` seconds until `stopped` says
    /// the container is done and a last read found nothing more. The file may appear
    /// late; a file that shrank (truncated, docker's rotation with one file) is read
    /// again from its start; a file rotated away (renamed, a new one in its place) is
    /// read to its end, then the files rotated after it, then the new one from its start.
    public static func follow(_ path: String, tail: Int? = nil, interval: TimeInterval = 0.05,
                              stopped: () -> Bool, emit: ([LogEntry]) throws -> Void) throws {
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        var offset: Int64 = 0
        var shownFirst = false
        while true {
            // Asked before reading: whatever was written before the container ended is
            // read below, so nothing is lost between the check and the read.
            let done = stopped()
            if fd < 0 {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0 && errno != ENOENT { throw SwrunError.system("open \(path)") }
                if fd >= 0 && !shownFirst {
                    shownFirst = true
                    let first = try readEntries(fd: fd, tail: tail)
                    offset = first.end
                    let wanted = tail.map { $0 - first.entries.count }
                    let older = (wanted ?? 1) > 0 ? try entries(of: files(path).dropLast(), tail: wanted) : []
                    if !older.isEmpty || !first.entries.isEmpty { try emit(older + first.entries) }
                } else if fd >= 0 {
                    // The file that replaced a rotated one: read from its start.
                    continue
                }
            } else {
                var info = stat()
                guard fstat(fd, &info) == 0 else { throw SwrunError.system("fstat \(path)") }
                if Int64(info.st_size) < offset { offset = 0 }
                let bytes = try read(fd: fd, from: offset, to: Int64(info.st_size))
                if let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
                    let entries = parse(bytes[...lastNewline])
                    offset += Int64(lastNewline + 1)
                    if !entries.isEmpty { try emit(entries) }
                    continue
                }
                // All of this file is read: if the name now has another file, the
                // monitor writes only there. That file is opened first; then the files
                // rotated between ours and it (found by inode: ours may be `.N`, it may
                // itself be `.M` by now) are read whole, so a rotation racing this
                // step loses nothing.
                var named = stat()
                if stat(path, &named) == 0 && (named.st_ino != info.st_ino || named.st_dev != info.st_dev) {
                    let next = open(path, O_RDONLY | O_CLOEXEC)
                    var nextInfo = stat()
                    if next >= 0 && fstat(next, &nextInfo) == 0 {
                        let chain = files(path)
                        let mine = chain.firstIndex { Self.isFile($0, info) }
                        let theirs = chain.firstIndex { Self.isFile($0, nextInfo) } ?? chain.count - 1
                        let from = mine.map { $0 + 1 } ?? 0
                        let between = from < theirs ? Array(chain[from..<theirs]) : []
                        close(fd)
                        fd = next
                        offset = 0
                        let newer = try entries(of: between, tail: nil)
                        if !newer.isEmpty { try emit(newer) }
                        continue
                    }
                    if next >= 0 { close(next) }
                }
            }
            if done { return }
            usleep(useconds_t(interval * 1_000_000))
        }
    }

    private static func isFile(_ path: String, _ info: stat) -> Bool {
        var other = stat()
        return stat(path, &other) == 0 && other.st_ino == info.st_ino && other.st_dev == info.st_dev
    }

    /// The entries of complete lines in `fd` (the last `tail` when given) and the
    /// offset just past the last complete line.
    static func readEntries(fd: Int32, tail: Int?) throws -> (entries: [LogEntry], end: Int64) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SwrunError.system("fstat log") }
        let size = Int64(info.st_size)
        guard let tail else {
            let bytes = try read(fd: fd, from: 0, to: size)
            guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return ([], 0) }
            return (parse(bytes[...lastNewline]), Int64(lastNewline + 1))
        }
        // Reads backwards in chunks until `tail` + 1 newlines (the one ending the last
        // complete line, and the one before the first line wanted) are in hand.
        var chunkStart = size
        var buffer: [UInt8] = []
        var newlines = 0
        let chunkSize: Int64 = 64 * 1024
        var end: Int64?
        while chunkStart > 0 {
            let from = max(0, chunkStart - chunkSize)
            let chunk = try read(fd: fd, from: from, to: chunkStart)
            buffer = chunk + buffer
            chunkStart = from
            if end == nil, let lastNewline = buffer.lastIndex(of: UInt8(ascii: "\n")) {
                end = chunkStart + Int64(lastNewline + 1)
            }
            if end != nil {
                newlines = buffer.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                if newlines > tail { break }
            }
        }
        guard let end else { return ([], 0) }
        var complete = buffer[..<Int(end - chunkStart)]
        // Not at the file's start: the bytes before the first newline are the end of
        // an earlier line.
        if chunkStart > 0, let firstNewline = complete.firstIndex(of: UInt8(ascii: "\n")) {
            complete = complete[(firstNewline + 1)...]
        }
        let entries = parse(complete)
        return (Array(entries.suffix(tail)), end)
    }

    /// Bytes `from..<to` of `fd`.
    static func read(fd: Int32, from: Int64, to: Int64) throws -> [UInt8] {
        guard to > from else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(to - from))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf in
                pread(fd, buf.baseAddress! + done, buf.count - done, off_t(from) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("read log")
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[..<done])
    }

    /// The entries of newline-separated JSON lines; lines that are not entries are skipped.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> [LogEntry] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap(parseLine)
    }

    /// One json-file line: an object with the strings `log`, `stream` (`stdout` or
    /// `stderr`) and `time`, and `attrs` (from `--log-opt labels`); others are skipped.
    /// nil when the line is not such an object.
    public static func parseLine(_ line: ArraySlice<UInt8>) -> LogEntry? {
        var reader = JSONReader(line)
        var log: String?
        var stream: LogEntry.Stream?
        var time = ""
        var attributes: [String: String] = [:]
        do {
            try reader.readObject { reader, key in
                switch key {
                case "log": log = try readString(&reader)
                case "stream": stream = try readString(&reader).flatMap(LogEntry.Stream.init(rawValue:))
                case "time": time = try readString(&reader) ?? ""
                case "attrs" where try reader.peek() == .object:
                    try reader.readObject { reader, key in attributes[key] = try readString(&reader) }
                default: try reader.skipValue()
                }
            }
            try reader.readEnd()
        } catch {
            return nil
        }
        guard let log, let stream else { return nil }
        var entry = LogEntry(stream: stream, log: log, time: time)
        entry.attributes = attributes
        return entry
    }

    /// The next value if it is a string; any other value is skipped.
    private static func readString(_ reader: inout JSONReader) throws -> String? {
        guard try reader.peek() == .string else {
            try reader.skipValue()
            return nil
        }
        return try reader.readString()
    }
}
