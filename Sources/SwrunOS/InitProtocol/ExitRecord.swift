#if canImport(Glibc)
import Glibc
#endif

/// How a container's PID 1 ended, written by its monitor to `containers/<id>/exit`
/// as one line: "<exit code> <finished, ns since the epoch> <oom killed 0|1>".
public struct ExitRecord: Sendable, Equatable {
    public static let fileName = "exit"
    /// `swrun wait` holds a shared `flock` on the container's directory until it has
    /// read the record; the monitor of a --rm container writes the record only when
    /// it cannot lock the directory exclusively (someone waits), and deletes the
    /// container once it can.

    /// docker's exit code: the status, or 128+N for signal N.
    public var exitCode: Int32
    public var finishedNanos: Int64
    public var oomKilled: Bool

    public init(exitCode: Int32, finishedNanos: Int64, oomKilled: Bool) {
        self.exitCode = exitCode
        self.finishedNanos = finishedNanos
        self.oomKilled = oomKilled
    }

    public var line: String { "\(exitCode) \(finishedNanos) \(oomKilled ? 1 : 0)\n" }

    public init?(line: String) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 3, let code = Int32(fields[0]), let nanos = Int64(fields[1]) else { return nil }
        self.init(exitCode: code, finishedNanos: nanos, oomKilled: fields[2] == "1")
    }

    /// The record at `path`, or nil when there is none (still running, or never started).
    public static func read(_ path: String) -> ExitRecord? {
        guard let bytes = try? FileIO.readFile(path) else { return nil }
        return ExitRecord(line: String(decoding: bytes, as: UTF8.self))
    }

    /// Writes the record through `FileIO.writeDurably`: never torn, and with
    /// `.full` durability it survives a crash. The monitor of a --rm container writes
    /// it `.atomic`: the record is deleted with the container a moment later, and two
    /// fsyncs would lengthen every `run --rm` (see docs/design.md, Start speed).
    public func write(to path: String, durability: StagedFile.Durability = .full) throws {
        try FileIO.writeDurably(at: path, bytes: Array(line.utf8), durability: durability)
    }

    /// Now, in ns since the epoch.
    public static func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
