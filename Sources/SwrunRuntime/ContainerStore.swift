import FoundationEssentials
import Glibc
import SwrunOS

/// The containers under `<root>/containers/<id>/`: their state files, writable layers
/// and runtime-injected /etc files.
public final class ContainerStore: @unchecked Sendable {
    public let root: String
    public let directory: String

    public init(root: String) throws {
        self.root = root
        self.directory = root + "/containers"
        // A start makes ~20 inodes, and a --rm deletes them: each container's
        // directory goes to a block group of its own.
        try FileIO.makeSpreadDirectory(directory, mode: 0o700)
    }

    public func path(of id: String) -> String { directory + "/" + id }

    /// Runs `body` holding an exclusive lock on the container list (name uniqueness).
    func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileLock.withExclusiveLock(directory + "/.lock", mode: 0o600, body)
    }

    /// Creates the container's directory and first state, reserving its name.
    func create(_ state: ContainerState) throws {
        try withLock {
            try indexNamesIfNeeded()
            if holder(of: state.name) != nil {
                throw SwrunError(.alreadyExists, "the container name \"/\(state.name)\" is already in use; remove or rename that container to be able to reuse that name")
            }
            let layout = filesystem(of: state.id)
            guard mkdir(layout.directory, 0o700) == 0 else { throw SwrunError.system("mkdir \(layout.directory)") }
            for sub in [layout.upperDir, layout.workDir, layout.rootfs] {
                guard mkdir(sub, 0o755) == 0 else { throw SwrunError.system("mkdir \(sub)") }
            }
            // Not fsynced here, under the lock and on the start path: `run` syncs it
            // while the container starts (`syncRecords`) unless it is --rm.
            try save(state, durability: .atomic)
            try link(state.name, to: state.id)
        }
    }

    /// Replaces the container's state.json through `FileIO.writeDurably`: readers
    /// never see it torn or empty. `.full` (the default) also makes it survive a
    /// crash; `.atomic` is for the start path, where fsyncs cost 0.5 ms and more
    /// (docs/design.md, Start speed).
    public func save(_ state: ContainerState, durability: StagedFile.Durability = .full) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601withFractions
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        try FileIO.writeDurably(at: path(of: state.id) + "/state.json", bytes: Array(data), mode: 0o600, durability: durability)
    }

    /// Makes the records a container needs after a crash (state.json, the spec for
    /// `inspect`, init.bin for `start`) and the directories that name them durable.
    /// `run` calls it while swrun-init sets the container up, so the fsyncs overlap
    /// that work instead of adding to it.
    func syncRecords(of id: String) throws {
        let dir = path(of: id)
        for file in [dir + "/state.json", specPath(of: id), initConfigPath(of: id)] { try FileIO.syncFile(file) }
        try FileIO.syncDirectory(dir)
        try FileIO.syncDirectory(directory)
    }

    public func load(_ id: String) throws -> ContainerState {
        let file = path(of: id) + "/state.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SwrunError(.notFound, "No such container: \(id)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601withFractions
        var state: ContainerState
        do {
            state = try decoder.decode(ContainerState.self, from: data)
        } catch {
            throw SwrunError(.corrupt, "container \(id): unreadable state.json")
        }
        // The monitor records how PID 1 ended in `exit`; it is the truth once present.
        if state.status == .running, let exit = ExitRecord.read(path(of: id) + "/" + ExitRecord.fileName) {
            state.status = .exited
            state.exitCode = exit.exitCode
            state.finishedAt = Date(timeIntervalSince1970: Double(exit.finishedNanos) / 1e9)
            state.oomKilled = exit.oomKilled
        }
        return state
    }

    /// The log file of the container (docker's json-file format).
    public func logPath(of id: String) -> String { path(of: id) + "/container.log" }

    /// The OCI runtime spec the container was made from (`inspect` reads it).
    public func specPath(of id: String) -> String { path(of: id) + "/config.json" }

    /// The encoded InitConfig the container was created with (for `start`).
    public func initConfigPath(of id: String) -> String { path(of: id) + "/init.bin" }

    /// Every container with a readable state, newest first.
    public func list() throws -> [ContainerState] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.count == 64 }.compactMap { try? load($0) }.sorted { $0.created > $1.created }
    }

    /// Finds a container by name, full ID or unique ID prefix.
    public func lookup(_ reference: String) throws -> ContainerState {
        // A full ID needs no scan of every container's state.
        if reference.count == 64, reference.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
           let state = try? load(reference) {
            return state
        }
        let name = reference.hasPrefix("/") ? String(reference.dropFirst()) : reference
        if !name.isEmpty, !name.contains("/"), let byName = holder(of: name) { return byName }
        let all = try list()
        if let byName = all.first(where: { $0.name == reference || "/" + $0.name == reference }) { return byName }
        let matches = all.filter { $0.id.hasPrefix(reference.lowercased()) }
        if matches.count == 1, !reference.isEmpty { return matches[0] }
        if matches.count > 1 { throw SwrunError(.conflict, "multiple containers match ID prefix \(reference)") }
        throw SwrunError(.notFound, "No such container: \(reference)")
    }

    /// Deletes the container's directory (state, upper dir, /etc files). It leaves the
    /// store in one rename first, so a crash while deleting leaves no half container.
    public func remove(_ id: String) throws {
        let name = try? load(id).name
        guard let detached = try FileIO.detachTree(path(of: id)) else { return }
        if let name { unlink(name, from: id) }
        try FileIO.removeTree(detached)
    }

    /// Deletes the trees of removals a crash interrupted, and name links whose
    /// container is gone.
    public func sweepRemovals() {
        FileIO.sweepDetachedTrees(in: directory)
        sweepNames()
    }
}

extension JSONEncoder.DateEncodingStrategy {
    static let iso8601withFractions = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(Timestamps.format(date))
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static let iso8601withFractions = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = Timestamps.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
        }
        return date
    }
}

/// RFC 3339 timestamps with nanoseconds, as docker writes them. Formatted and parsed
/// by hand: Foundation's date formatters load ICU data, which costs milliseconds on
/// every start of the process.
public enum Timestamps {
    /// `nanoseconds: false` gives whole seconds, as Go's time.RFC3339 (runc's log lines).
    public static func format(_ date: Date, nanoseconds: Bool = true) -> String {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let nanos = min(999_999_999, max(0, Int((interval - seconds) * 1_000_000_000)))
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + (nanoseconds ? "." + pad(nanos, 9) : "") + "Z"
    }

    /// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)".
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for i in from..<from + count {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count && b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < b.count && (b[i] == 43 || b[i] == 45) {
            guard let h = number(i + 1, 2), let m = number(i + 4, 2) else { return nil }
            offset = (h * 3600 + m * 60) * (b[i] == 45 ? -1 : 1)
        } else if !(i < b.count && (b[i] == 90 || b[i] == 122)) {
            return nil
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
