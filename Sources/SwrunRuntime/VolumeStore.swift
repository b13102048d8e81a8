import FoundationEssentials
import Glibc
import SwrunOS

/// The volumes under `<root>/volumes/<name>/`: `_data` is the content a container
/// mounts (docker's layout), `volume.json` beside it the record. Which containers use
/// a volume is read from their `mounts.json` (`ContainerMounts`); the store's lock
/// orders creating, using and removing volumes between commands.
public final class VolumeStore: @unchecked Sendable {
    public let root: String
    public let directory: String
    let containersDirectory: String

    public init(root: String) {
        self.root = root
        self.directory = root + "/volumes"
        self.containersDirectory = root + "/containers"
    }

    /// The directory a container mounts for the volume `name`.
    public func dataPath(of name: String) -> String { directory + "/" + name + "/_data" }

    func recordPath(of name: String) -> String { directory + "/" + name + "/volume.json" }

    /// Runs `body` holding the volume store's exclusive lock.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileIO.makeDirectories(directory, mode: 0o701)
        return try FileLock.withExclusiveLock(directory + "/.lock", mode: 0o600, body)
    }

    /// docker's rule for volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    public static func validateName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard name.count >= 2, let first = name.first, first.isASCII, first.isLetter || first.isNumber,
              name.allSatisfy({ allowed.contains($0) }) else {
            throw SwrunError(.invalidArgument, "create \(name): \"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")
        }
    }

    /// A name for an anonymous volume: 64 random hex digits, as docker.
    public static func randomName() -> String { ContainerRuntime.newID() }

    /// `volume create`: makes the volume, or returns the one of that name (docker
    /// answers an existing name with it, unchanged). `created` says which.
    @discardableResult
    public func create(_ volume: Volume) throws -> (volume: Volume, created: Bool) {
        try VolumeStore.validateName(volume.name)
        guard volume.driver == "local" else {
            throw SwrunError(.notFound, "create \(volume.name): error looking up volume plugin \(volume.driver): plugin \"\(volume.driver)\" not found")
        }
        try VolumeDriverOptions.validate(volume.options, name: volume.name)
        return try withLock { try createLocked(volume) }
    }

    /// `create` for callers that hold the lock.
    func createLocked(_ volume: Volume) throws -> (volume: Volume, created: Bool) {
        if let existing = try? loadLocked(volume.name) { return (existing, false) }
        let dir = directory + "/" + volume.name
        // The record is written last: a directory without one is no volume yet, and
        // a crash leaves no half volume that `ls` would show.
        if mkdir(dir, 0o701) != 0 && errno != EEXIST { throw SwrunError.system("mkdir \(dir)") }
        if mkdir(dir + "/_data", 0o755) != 0 && errno != EEXIST { throw SwrunError.system("mkdir \(dir)/_data") }
        try save(volume)
        return (volume, true)
    }

    func save(_ volume: Volume) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601withFractions
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeDurably(at: recordPath(of: volume.name), bytes: Array(try encoder.encode(volume)), mode: 0o600)
    }

    /// The volume `name`; notFound in docker's words when there is none.
    public func load(_ name: String) throws -> Volume {
        try loadLocked(name)
    }

    func loadLocked(_ name: String) throws -> Volume {
        guard (try? VolumeStore.validateName(name)) != nil, let bytes = try? FileIO.readFile(recordPath(of: name)) else {
            throw SwrunError(.notFound, "get \(name): no such volume")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601withFractions
        do {
            return try decoder.decode(Volume.self, from: Data(bytes))
        } catch {
            throw SwrunError(.corrupt, "volume \(name): unreadable volume.json")
        }
    }

    /// Every volume with a readable record.
    public func list() throws -> [Volume] {
        let names = (try? FileIO.directoryNames(directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.compactMap { try? loadLocked($0) }
    }

    /// `volume rm`: refused while a container (running or not) uses the volume.
    public func remove(_ name: String) throws {
        try withLock {
            _ = try loadLocked(name)
            let users = try containers(using: name)
            guard users.isEmpty else {
                throw SwrunError(.conflict, "remove \(name): volume is in use - [\(users.joined(separator: " "))]")
            }
            try removeLocked(name)
        }
    }

    func removeLocked(_ name: String) throws {
        guard let detached = try FileIO.detachTree(directory + "/" + name) else { return }
        try FileIO.removeTree(detached)
    }

    /// IDs of the containers whose mounts include the volume `name`, sorted.
    public func containers(using name: String) throws -> [String] {
        try ContainerMounts.all(in: containersDirectory).filter { $0.value.contains { $0.name == name } }.keys.sorted()
    }

    /// Removes the anonymous volumes whose `--rm` container is gone (its monitor
    /// deletes the container, and no daemon is left to delete its volumes), and
    /// what interrupted removals left.
    public func sweepOrphans() {
        FileIO.sweepDetachedTrees(in: directory)
        let orphans = ((try? list()) ?? []).filter { volume in
            guard let owner = volume.removeWith else { return false }
            return !FileIO.exists(containersDirectory + "/" + owner)
        }
        guard !orphans.isEmpty else { return }
        _ = try? withLock {
            for volume in orphans where (try? containers(using: volume.name))?.isEmpty == true {
                try? removeLocked(volume.name)
            }
        }
    }
}
