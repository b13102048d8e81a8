import Glibc

/// The `restarting` file in a container's directory while its restart policy restarts
/// it: the monitor writes it before the backoff, and the same process, once it has
/// become `swrun start`, removes it. It holds "PID STARTTIME" (the start time from
/// /proc/PID/stat), so a record whose process is gone (killed, a reboot) or whose PID
/// was reused is stale and means nothing. `ps` and `inspect` show such a container as
/// docker's "restarting".
public enum RestartingRecord {
    public static let fileName = "restarting"

    /// Records the calling process as the container's restarter in `directory`.
    public static func write(in directory: String) throws {
        let pid = getpid()
        guard let start = processStat(pid)?.startTime else { throw SwrunError.system("read /proc/\(pid)/stat") }
        try FileIO.writeFile(directory + "/" + fileName, "\(pid) \(start)\n", mode: 0o600)
    }

    /// The PID of the live process the record in `directory` names; nil when there is
    /// no record or it is stale.
    public static func livePid(in directory: String) -> Int32? {
        guard let text = try? FileIO.readString(directory + "/" + fileName) else { return nil }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 2, let pid = Int32(words[0]), pid > 0, let start = UInt64(words[1]),
              let stat = processStat(pid), stat.state != "Z", stat.state != "X", stat.startTime == start else { return nil }
        return pid
    }

    public static func remove(in directory: String) {
        unlink(directory + "/" + fileName)
    }

    /// The state letter and start time (clock ticks after boot) of /proc/PID/stat.
    static func processStat(_ pid: Int32) -> (state: Character, startTime: UInt64)? {
        guard let text = try? FileIO.readString("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After the command: the state is field 3, the start time field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return (state, start)
    }
}
