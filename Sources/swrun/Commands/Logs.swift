import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Fetch the logs of a container.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Follow log output.")
    var follow = false
    @Option(name: [.customShort("n"), .long], help: "Number of lines to show from the end of the logs, or \"all\".")
    var tail = "all"
    @Flag(name: [.customShort("t"), .long], help: "Show timestamps.")
    var timestamps = false
    @Option(name: .long, help: "Show logs since a timestamp (2026-12-07T20:00:00Z) or relative (42m).")
    var since: String?
    @Option(name: .long, help: "Show logs before a timestamp (2026-12-07T20:00:00Z) or relative (42m).")
    var until: String?
    @Flag(name: .long, help: "Show extra details provided to logs (the log options' attributes).")
    var details = false
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let count = try Self.tailCount(tail)
        // docker's daemon answers these, and its CLI exits 1.
        let (state, window) = try ContainerErrors.exitingOne {
            let state = try runtime.containers.lookup(container)
            if state.logConfig?.type == "none" {
                throw SwrunError(.unsupported, "configured logging driver does not support reading")
            }
            let window = try LogWindow(since: since.map { try TimeBound.parse($0, flag: "--since") },
                                       until: until.map { try TimeBound.parse($0, flag: "--until") })
            return (state, window)
        }
        let path = runtime.containers.logPath(of: state.id)
        let style = Style(timestamps: timestamps, details: details)
        if follow {
            let store = runtime.containers
            try ContainerLog.follow(path, tail: count, stopped: { Self.hasEnded(state.id, in: store) }) { entries in
                try Self.write(entries.filter(window.contains), style: style)
            }
        } else if window.isOpen {
            try Self.write(ContainerLog.entries(path, tail: count), style: style)
        } else {
            // docker applies --tail to the entries inside the window.
            let inside = try ContainerLog.entries(path).filter(window.contains)
            try Self.write(count.map { Array(inside.suffix($0)) } ?? inside, style: style)
        }
    }

    /// How each entry is shown: `-t` puts the time first, `--details` the attributes
    /// (`k=v,k2=v2`, URL-query escaped, then a space) before the text.
    struct Style {
        var timestamps: Bool
        var details: Bool
    }

    /// `--since` / `--until`, nanoseconds since the epoch; since 0 means from the start.
    struct LogWindow {
        var since: Int64?
        var until: Int64?

        init(since: Int64?, until: Int64?) {
            self.since = since == 0 ? nil : since
            self.until = until
        }

        var isOpen: Bool { since == nil && until == nil }

        func contains(_ entry: LogEntry) -> Bool {
            if isOpen { return true }
            guard let time = TimeBound.dateTime(entry.time) else { return false }
            if let since, time < since { return false }
            if let until, time > until { return false }
            return true
        }
    }

    /// nil for "all"; a negative number also means all, as docker.
    static func tailCount(_ text: String) throws -> Int? {
        if text == "all" { return nil }
        guard let number = Int(text) else { throw SwrunError(.invalidArgument, "invalid value for --tail: \(text)") }
        return number < 0 ? nil : number
    }

    /// True once nothing more will be written: the container is not running (a created
    /// one has not started), its end is recorded, or PID 1 and its monitor are both gone
    /// (the monitor drains the output before it exits).
    static func hasEnded(_ id: String, in store: ContainerStore) -> Bool {
        guard let state = try? store.load(id), state.status == .running else { return true }
        if state.isRunning { return false }
        guard let monitor = state.monitorPid, monitor > 0 else { return true }
        return kill(monitor, 0) != 0 && errno == ESRCH
    }

    /// Writes entries byte for byte: stdout ones to fd 1, stderr ones to fd 2, each run
    /// of one stream in a single write.
    static func write(_ entries: [LogEntry], style: Style) throws {
        var pending: [UInt8] = []
        var stream = LogEntry.Stream.stdout
        func flush() throws {
            guard !pending.isEmpty else { return }
            try FileIO.writeAll(stream == .stdout ? 1 : 2, pending, step: "write logs")
            pending.removeAll(keepingCapacity: true)
        }
        for entry in entries {
            if entry.stream != stream {
                try flush()
                stream = entry.stream
            }
            if style.timestamps { pending.append(contentsOf: (entry.fixedTime + " ").utf8) }
            if style.details { pending.append(contentsOf: (detailsPrefix(entry.attributes) + " ").utf8) }
            pending.append(contentsOf: entry.log.utf8)
        }
        try flush()
    }

    /// docker's attrsByteSlice: keys sorted, `k=v` pairs joined by commas, both query-escaped.
    static func detailsPrefix(_ attributes: [String: String]) -> String {
        attributes.keys.sorted().map { queryEscaped($0) + "=" + queryEscaped(attributes[$0] ?? "") }.joined(separator: ",")
    }

    /// Go's url.QueryEscape: unreserved bytes stay, space becomes +, the rest %XX.
    static func queryEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
