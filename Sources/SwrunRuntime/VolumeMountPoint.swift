import FoundationEssentials
import SwrunOS

/// One of a container's mounts as docker's inspect shows it under `Mounts`, and as
/// `containers/<id>/mounts.json` records it: what `--volumes-from`, `rm -v` and
/// `volume rm` (in use?) read.
public struct MountPoint: Codable, Sendable, Equatable {
    /// "volume", "bind" or "tmpfs".
    public var type: String
    /// The volume's name; nil for binds and tmpfs.
    public var name: String?
    public var source: String
    public var destination: String
    public var driver: String?
    /// The mode as given ("ro", "z", "nocopy"…), "" when none was.
    public var mode: String
    public var rw: Bool
    public var propagation: String

    enum CodingKeys: String, CodingKey {
        case type = "Type", name = "Name", source = "Source", destination = "Destination", driver = "Driver", mode = "Mode",
             rw = "RW", propagation = "Propagation"
    }

    public init(type: String, name: String? = nil, source: String, destination: String, driver: String? = nil, mode: String = "",
                rw: Bool = true, propagation: String = "") {
        self.type = type
        self.name = name
        self.source = source
        self.destination = destination
        self.driver = driver
        self.mode = mode
        self.rw = rw
        self.propagation = propagation
    }
}

/// The `mounts.json` record of each container.
public enum ContainerMounts {
    static let fileName = "mounts.json"

    /// The mounts recorded for the container in `directory` (empty when none were).
    public static func read(containerDirectory directory: String) -> [MountPoint] {
        guard let bytes = try? FileIO.readFile(directory + "/" + fileName) else { return [] }
        return (try? JSONDecoder().decode([MountPoint].self, from: Data(bytes))) ?? []
    }

    static func write(_ mounts: [MountPoint], containerDirectory directory: String,
                      durability: StagedFile.Durability = .full) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeDurably(at: directory + "/" + fileName, bytes: Array(try encoder.encode(mounts)), mode: 0o600,
                                durability: durability)
    }

    /// Every container's recorded mounts, by container ID; containers without volumes
    /// or binds are left out.
    static func all(in containersDirectory: String) throws -> [String: [MountPoint]] {
        var result: [String: [MountPoint]] = [:]
        for id in (try? FileIO.directoryNames(containersDirectory)) ?? [] where id.count == 64 {
            let mounts = read(containerDirectory: containersDirectory + "/" + id)
            if !mounts.isEmpty { result[id] = mounts }
        }
        return result
    }
}
