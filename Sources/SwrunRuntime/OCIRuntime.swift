import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS

/// The OCI runtime core: containers made from a bundle (config.json and a root
/// directory), driven as runc's callers drive runc. `swrun-oci` is its command line.
/// No process of swrun's stays with a container: the caller (a shim, conmon, or the
/// shell) is the container's parent or subreaper and reaps it.
///
/// State lives in `<stateRoot>/<id>/`: `state.json` (the record), `config.json` (the
/// spec as created, for exec, update and the poststop hooks) and, until `start`,
/// `exec.fifo`, on which the container's init blocks.
public struct OCIRuntime: Sendable {
    /// The runtime spec version swrun implements.
    public static let specVersion = "1.2.0"
    public let stateRoot: String
    /// cgroupsPath is systemd's `slice:prefix:name` (`--systemd-cgroup`).
    public let systemdCgroup: Bool
    public let cgroupRoot: String

    public init(stateRoot: String, systemdCgroup: Bool = false, cgroupRoot: String = Cgroups.defaultRoot) {
        self.stateRoot = stateRoot
        self.systemdCgroup = systemdCgroup
        self.cgroupRoot = cgroupRoot
    }

    /// What is kept of one container between commands.
    struct Record: Codable {
        var id: String
        var bundle: String
        var rootfs: String
        /// Host PID of the container's init; 0 while it is being made.
        var pid: Int32
        /// Its start time in clock ticks (/proc/PID/stat field 22): guards against a reused PID.
        var pidStartTime: UInt64
        var created: String
        var cgroupParent: String
        var cgroupName: String
        var annotations: [String: String]?
        var owner: String
    }

    func directory(of id: String) -> String { stateRoot + "/" + id }
    func fifoPath(of id: String) -> String { directory(of: id) + "/exec.fifo" }

    /// runc's rule for IDs, which keeps them safe as path components.
    static func validate(id: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.")
        guard !id.isEmpty, id != ".", id != "..", id.count <= 1024, id.allSatisfy({ allowed.contains($0) }) else {
            throw SwrunError(.invalidArgument, "invalid container id format: \(id)")
        }
    }

    func load(_ id: String) throws -> Record {
        try Self.validate(id: id)
        let path = directory(of: id) + "/state.json"
        guard let bytes = try? FileIO.readFile(path) else {
            throw SwrunError(.notFound, "container \(id) does not exist")
        }
        do {
            return try JSONDecoder().decode(Record.self, from: Data(bytes))
        } catch {
            throw SwrunError(.corrupt, "container \(id): state.json is damaged", cause: error)
        }
    }

    func save(_ record: Record, durability: StagedFile.Durability = .full) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(record))
        try FileIO.writeDurably(at: directory(of: record.id) + "/state.json", bytes: bytes, mode: 0o600, durability: durability)
    }

    /// The spec a container was created with (and updated since).
    public func spec(of id: String) throws -> RuntimeSpec {
        _ = try load(id)
        return try RuntimeSpec.decode(try FileIO.readFile(directory(of: id) + "/config.json"))
    }

    func cgroup(of record: Record) -> any CgroupManager {
        Cgroups.manager(root: cgroupRoot, parent: record.cgroupParent, name: record.cgroupName)
    }

    /// The container's status as runc reports it.
    func status(of record: Record) -> String {
        guard record.pid > 0 else { return "creating" }
        guard Self.isAlive(pid: record.pid, startTime: record.pidStartTime) else { return "stopped" }
        if FileIO.exists(fifoPath(of: record.id)) { return "created" }
        if cgroup(of: record).isFrozen { return "paused" }
        return "running"
    }

    /// The OCI state document of a container.
    func state(of record: Record) -> RuntimeState {
        let status = status(of: record)
        return RuntimeState(ociVersion: OCIRuntime.specVersion, id: record.id, status: status,
                            pid: status == "stopped" ? 0 : record.pid, bundle: record.bundle,
                            annotations: record.annotations, rootfs: record.rootfs, created: record.created, owner: record.owner)
    }

    /// `state ID`.
    public func state(_ id: String) throws -> RuntimeState {
        state(of: try load(id))
    }

    /// Every container in the state dir, by ID.
    public func list() throws -> [RuntimeState] {
        guard FileIO.exists(stateRoot) else { return [] }
        return try FileIO.directoryNames(stateRoot).sorted().compactMap { id in
            (try? load(id)).map(state(of:))
        }
    }

    /// A process is this container's init while it exists, is no zombie, and started
    /// when the record says.
    static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
        guard let stat = processStat(pid) else { return false }
        return stat.state != "Z" && stat.state != "X" && stat.startTime == startTime
    }

    /// The state letter and start time of /proc/PID/stat.
    static func processStat(_ pid: Int32) -> (state: Character, startTime: UInt64)? {
        guard let text = try? FileIO.readString("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, starttime field 22.
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return (state, start)
    }

    /// RFC 3339 with nanoseconds, as runc writes `created`.
    public static func timestamp(_ date: Date = Date()) -> String {
        Timestamps.format(date)
    }

    /// cgroupsPath → (parent, name) below each hierarchy root. Plain paths are taken
    /// as they are; systemd's `slice:prefix:name` (without a systemd to ask) becomes
    /// the path systemd would use: `<slice path>/<prefix>-<name>.scope`.
    func cgroupLocation(_ cgroupsPath: String?, id: String) throws -> (parent: String, name: String) {
        let path = cgroupsPath ?? ""
        if systemdCgroup {
            let parts = path.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard path.isEmpty || parts.count == 3 else {
                throw SwrunError(.invalidArgument, "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"\(path)\" instead")
            }
            let slice = parts.count == 3 && !parts[0].isEmpty ? parts[0] : "system.slice"
            let prefix = parts.count == 3 ? parts[1] : "swrun-oci"
            let name = parts.count == 3 && !parts[2].isEmpty ? parts[2] : id
            let unit = name.hasSuffix(".slice") ? name : (prefix.isEmpty ? name : prefix + "-" + name) + ".scope"
            return (try Self.expandSlice(slice), unit)
        }
        let components = path.split(separator: "/").map(String.init)
        guard let name = components.last else { return ("", id) }
        return (components.dropLast().joined(separator: "/"), name)
    }

    /// "a-b.slice" → "a.slice/a-b.slice", as systemd nests slices.
    static func expandSlice(_ slice: String) throws -> String {
        guard slice.hasSuffix(".slice"), !slice.contains("/") else {
            throw SwrunError(.invalidArgument, "invalid slice name: \(slice)")
        }
        if slice == "-.slice" { return "" }
        let base = String(slice.dropLast(".slice".count))
        var path: [String] = []
        var prefix = ""
        for part in base.split(separator: "-", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw SwrunError(.invalidArgument, "invalid slice name: \(slice)") }
            prefix = prefix.isEmpty ? String(part) : prefix + "-" + part
            path.append(prefix + ".slice")
        }
        return path.joined(separator: "/")
    }
}
