import Glibc

/// Appends the container's output to its log in docker's json-file format: one
/// `{"log":"…","stream":"stdout","time":"…"}` object per line of output.
struct LogWriter {
    let fd: Int32

    init?(path: String) {
        guard !path.isEmpty else { return nil }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 { return nil }
    }

    func write(stream: UInt8, _ bytes: ArraySlice<UInt8>) {
        let streamName = stream == 2 ? "stderr" : "stdout"
        let time = Self.timestamp()
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            while end < bytes.endIndex && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            if end < bytes.endIndex { end += 1 }
            out += Array("{\"log\":\"".utf8)
            Self.appendEscaped(bytes[start..<end], to: &out)
            out += Array("\",\"stream\":\"\(streamName)\",\"time\":\"\(time)\"}\n".utf8)
            start = end
        }
        var offset = 0
        while offset < out.count {
            let n = out.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return
            }
            offset += n
        }
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
