import Glibc
import SwrunOS

/// Appends the container's output to its log in docker's json-file format: one
/// `{"log":"…","stream":"stdout","time":"…"}` object per line of output (with
/// `"attrs":{…}` before `time` when the log options pick some). With a size limit it
/// rotates as docker's json-file does: before a line is written to a file that has
/// reached the limit, `container.log.1` … move up one (the oldest dropped) and
/// `container.log` becomes `.1`; with one file it is truncated instead.
struct LogWriter {
    private(set) var fd: Int32
    private let path: String
    private let maxBytes: Int
    private let maxFiles: Int
    private let attributes: [UInt8]
    private var size: Int

    init?(config: InitConfig) {
        guard !config.logPath.isEmpty else { return nil }
        path = config.logPath
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 { return nil }
        maxBytes = Int(clamping: config.logMaxBytes)
        maxFiles = max(1, Int(clamping: config.logMaxFiles))
        attributes = config.logAttributes.isEmpty ? [] : Array(",\"attrs\":\(config.logAttributes)".utf8)
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    mutating func write(stream: UInt8, _ bytes: ArraySlice<UInt8>) {
        let streamName = stream == 2 ? "stderr" : "stdout"
        let time = Self.timestamp()
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            while end < bytes.endIndex && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            if end < bytes.endIndex { end += 1 }
            if maxBytes > 0 && size + out.count >= maxBytes {
                flush(&out)
                if size >= maxBytes { rotate() }
            }
            out += Array("{\"log\":\"".utf8)
            Self.appendEscaped(bytes[start..<end], to: &out)
            out += Array("\",\"stream\":\"\(streamName)\"".utf8)
            out += attributes
            out += Array(",\"time\":\"\(time)\"}\n".utf8)
            start = end
        }
        flush(&out)
    }

    private mutating func flush(_ out: inout [UInt8]) {
        var offset = 0
        while offset < out.count {
            let n = out.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            offset += n
        }
        size += offset
        out.removeAll(keepingCapacity: true)
    }

    /// A reader following the log sees the file it has open renamed and a new one
    /// appear under the name (or, with one file, the file shrink).
    private mutating func rotate() {
        if maxFiles < 2 {
            if ftruncate(fd, 0) == 0 { size = 0 }
            return
        }
        var index = maxFiles - 1
        while index > 1 {
            _ = rename("\(path).\(index - 1)", "\(path).\(index)")
            index -= 1
        }
        guard rename(path, path + ".1") == 0 else { return }
        let next = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard next >= 0 else { return }
        close(fd)
        fd = next
        size = 0
    }

    /// JSON string escaping as Go's encoding/json does it (docker writes these logs):
    /// invalid UTF-8 becomes U+FFFD, and <, >, & are escaped too.
    static func appendEscaped(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": out += [92, 34]
            case "\\": out += [92, 92]
            case "\n": out += [92, UInt8(ascii: "n")]
            case "\r": out += [92, UInt8(ascii: "r")]
            case "\t": out += [92, UInt8(ascii: "t")]
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                fallthrough
            case _ where scalar.value < 0x20:
                let v = scalar.value
                out += Array("\\u".utf8) + [hex[Int(v >> 12) & 15], hex[Int(v >> 8) & 15], hex[Int(v >> 4) & 15], hex[Int(v) & 15]]
            default:
                out += Array(String(scalar).utf8)
            }
        }
    }

    /// RFC 3339 with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano).
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var nanos = pad(Int32(ts.tv_nsec), 9)
        while nanos.hasSuffix("0") { nanos.removeLast() }
        let fraction = nanos.isEmpty ? "" : "." + nanos
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))\(fraction)Z"
    }
}
