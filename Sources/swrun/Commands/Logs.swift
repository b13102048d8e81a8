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
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let count = try Self.tailCount(tail)
        let state = try ContainerErrors.exitingOne { try runtime.containers.lookup(container) }
        let path = runtime.containers.logPath(of: state.id)
        let timestamps = self.timestamps
        if follow {
            let store = runtime.containers
            try ContainerLog.follow(path, tail: count, stopped: { Self.hasEnded(state.id, in: store) }) { entries in
                try Self.write(entries, timestamps: timestamps)
            }
        } else {
            try Self.write(ContainerLog.entries(path, tail: count), timestamps: timestamps)
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
    static func write(_ entries: [LogEntry], timestamps: Bool) throws {
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
            if timestamps { pending.append(contentsOf: (entry.fixedTime + " ").utf8) }
            pending.append(contentsOf: entry.log.utf8)
        }
        try flush()
    }
}
