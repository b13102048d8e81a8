import Foundation
import SwrunOS

/// The containers under `<root>/containers/<id>/`: their state files, writable layers
/// and runtime-injected /etc files.
public final class ContainerStore: @unchecked Sendable {
    public let root: String
    public let directory: String

    public init(root: String) throws {
        self.root = root
        self.directory = root + "/containers"
        try FileIO.makeDirectories(directory, mode: 0o700)
    }

    public func path(of id: String) -> String { directory + "/" + id }

    /// Runs `body` holding an exclusive lock on the container list (name uniqueness).
    func withLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SwrunError.system("open \(directory)/.lock") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw SwrunError.system("flock containers") }
        return try body()
    }

    /// Creates the container's directory and first state, reserving its name.
    func create(_ state: ContainerState) throws {
        try withLock {
            if try list().contains(where: { $0.name == state.name }) {
                throw SwrunError(.alreadyExists, "the container name \"/\(state.name)\" is already in use; remove or rename that container to be able to reuse that name")
            }
            let dir = path(of: state.id)
            guard mkdir(dir, 0o700) == 0 else { throw SwrunError.system("mkdir \(dir)") }
            for sub in ["upper", "work", "rootfs"] {
                guard mkdir(dir + "/" + sub, 0o755) == 0 else { throw SwrunError.system("mkdir \(dir)/\(sub)") }
            }
            try save(state)
        }
    }

    /// Atomically replaces the container's state.json.
    public func save(_ state: ContainerState) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601withFractions
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        let dir = path(of: state.id)
        let tmp = dir + "/.state.json.tmp"
        try FileIO.writeFile(tmp, String(decoding: data, as: UTF8.self), mode: 0o600)
        guard Glibc.rename(tmp, dir + "/state.json") == 0 else { throw SwrunError.system("rename state.json") }
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

    /// The encoded InitConfig the container was created with (for `start`).
    public func initConfigPath(of id: String) -> String { path(of: id) + "/init.bin" }

    /// Every container with a readable state, newest first.
    public func list() throws -> [ContainerState] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.count == 64 }.compactMap { try? load($0) }.sorted { $0.created > $1.created }
    }

    /// Finds a container by name, full ID or unique ID prefix.
    public func lookup(_ reference: String) throws -> ContainerState {
        let all = try list()
        if let byName = all.first(where: { $0.name == reference || "/" + $0.name == reference }) { return byName }
        let matches = all.filter { $0.id.hasPrefix(reference.lowercased()) }
        if matches.count == 1, !reference.isEmpty { return matches[0] }
        if matches.count > 1 { throw SwrunError(.conflict, "multiple containers match ID prefix \(reference)") }
        throw SwrunError(.notFound, "No such container: \(reference)")
    }

    /// Deletes the container's directory (state, upper dir, /etc files).
    public func remove(_ id: String) throws {
        try FileIO.removeTree(path(of: id))
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

/// RFC 3339 timestamps with nanoseconds, as docker writes them.
public enum Timestamps {
    public static func format(_ date: Date) -> String {
        let seconds = floor(date.timeIntervalSince1970)
        let nanos = Int((date.timeIntervalSince1970 - seconds) * 1_000_000_000)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, nanos)
    }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        // Nanosecond precision is more than ISO8601DateFormatter reads: parse it by hand.
        guard let dot = text.firstIndex(of: "."), let z = text.lastIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }), z > dot else {
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }
        let base = String(text[..<dot]) + String(text[z...])
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: base), let fraction = Double("0" + text[dot..<z]) else { return nil }
        return date.addingTimeInterval(fraction)
    }
}
