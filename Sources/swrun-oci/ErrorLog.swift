import FoundationEssentials
import Glibc
import SwrunOS
import SwrunRuntime

/// Where errors go: stderr always, and the `--log` file when given, as text or as
/// runc's JSON lines (`{"level":"error","msg":…,"time":…}`; containerd's shim reads
/// the last error line of that file).
struct ErrorLog {
    var path: String?
    var json = false
    var debug = false

    func error(_ message: String) {
        try? FileIO.writeAll(2, Array(("swrun-oci: " + message + "\n").utf8))
        append(level: "error", message)
    }

    func debugLine(_ message: String) {
        guard debug else { return }
        append(level: "debug", message)
    }

    private func append(level: String, _ message: String) {
        guard let path else { return }
        let time = Timestamps.format(Date(), nanoseconds: false)
        let line: String
        if json {
            let object: [String: String] = ["level": level, "msg": message, "time": time]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(object)) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        } else {
            line = "time=\"\(time)\" level=\(level) msg=\"\(message)\"\n"
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        try? FileIO.writeAll(fd, Array(line.utf8))
        close(fd)
    }
}
