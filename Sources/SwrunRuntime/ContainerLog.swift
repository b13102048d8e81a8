import FoundationEssentials
import Glibc
import SwrunOCI
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
    public static func entries(_ path: String, tail: Int? = nil) throws -> [LogEntry] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return [] }
            throw SwrunError.system("open \(path)")
        }
        defer { close(fd) }
        return try readEntries(fd: fd, tail: tail).entries
    }

    /// Prints the log and then what is appended to it (`logs -f`): `emit` gets the
    /// entries read in each pass. Polls every `interval` seconds until `stopped` says
    /// the container is done and a last read found nothing more. The file may appear
    /// late; a file that shrank (truncated) is read again from its start.
    public static func follow(_ path: String, tail: Int? = nil, interval: TimeInterval = 0.05,
                              stopped: () -> Bool, emit: ([LogEntry]) throws -> Void) throws {
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        var offset: Int64 = 0
        while true {
            // Asked before reading: whatever was written before the container ended is
            // read below, so nothing is lost between the check and the read.
            let done = stopped()
            if fd < 0 {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0 && errno != ENOENT { throw SwrunError.system("open \(path)") }
                if fd >= 0 {
                    let first = try readEntries(fd: fd, tail: tail)
                    offset = first.end
                    if !first.entries.isEmpty { try emit(first.entries) }
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
            }
            if done { return }
            usleep(useconds_t(interval * 1_000_000))
        }
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

    /// One json-file line. The fast path reads the flat object of strings docker
    /// writes; lines with other values (`attrs` from `--log-opt labels`) go through
    /// JSONDecoder.
    public static func parseLine(_ line: ArraySlice<UInt8>) -> LogEntry? {
        var fields: [String: String] = [:]
        var scanner = JSONScanner(bytes: line)
        if scanner.readFlatObject(into: &fields) == nil {
            guard let object = try? JSONDecoder().decode([String: JSONAny].self, from: Data(line)) else { return nil }
            fields = object.compactMapValues { if case .string(let text) = $0 { text } else { nil } }
        }
        guard let log = fields["log"], let stream = fields["stream"].flatMap(LogEntry.Stream.init(rawValue:)) else { return nil }
        return LogEntry(stream: stream, log: log, time: fields["time"] ?? "")
    }
}

/// A reader for a JSON object whose values are all strings.
private struct JSONScanner {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    mutating func skipSpace() {
        while index < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.endIndex, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Fills `fields`; nil when the text is not such an object.
    mutating func readFlatObject(into fields: inout [String: String]) -> Void? {
        guard expect(UInt8(ascii: "{")) else { return nil }
        if expect(UInt8(ascii: "}")) { return () }
        while true {
            skipSpace()
            guard let key = readString(), expect(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            guard let value = readString() else { return nil }
            fields[key] = value
            if expect(UInt8(ascii: ",")) { continue }
            guard expect(UInt8(ascii: "}")) else { return nil }
            skipSpace()
            return index == bytes.endIndex ? () : nil
        }
    }

    /// A string literal at `index`, escapes decoded; nil when malformed.
    mutating func readString() -> String? {
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.endIndex else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let unit = readHex4() else { return nil }
                    var scalar = Unicode.Scalar(unit)
                    if (0xD800..<0xDC00).contains(unit) {
                        // A high surrogate pairs with a following \uDC00-\uDFFF.
                        let save = index
                        if index + 1 < bytes.endIndex, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            if let low = readHex4(), (0xDC00..<0xE000).contains(low) {
                                scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
                            } else {
                                index = save
                            }
                        }
                    }
                    out.append(contentsOf: Array(String(Character(scalar ?? "\u{FFFD}")).utf8))
                default:
                    return nil
                }
            default:
                out.append(byte)
            }
        }
        return nil
    }

    mutating func readHex4() -> UInt16? {
        guard index + 4 <= bytes.endIndex, let value = UInt16(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            return nil
        }
        index += 4
        return value
    }
}
