import FoundationEssentials
import Glibc
import SwrunOS

/// The networks under `<root>/networks/`, and the addresses given out on them:
///
///     networks/.lock                  create, remove, and making the predefined networks
///     networks/<id>/config.json       the NetworkConfig, written durably
///     networks/<id>/.lock             held while addresses are given out or taken back
///     networks/<id>/addresses/<ip>    one file per address in use, holding the container's ID
///
/// A network appears in one rename of its finished directory and leaves in one rename
/// away (`FileIO.detachTree`), so a crash leaves either all of it or none. An address
/// is taken by creating its file (hard link of a written temporary: it exists whole
/// or not at all) and given back by unlinking it; nothing else records allocations.
public struct NetworkStore: Sendable {
    /// The network containers join when `--network` does not say.
    public static let defaultNetworkName = "bridge"
    /// Networks swrun makes itself and never removes, in the order listings show them.
    public static let predefinedNames = ["bridge", "host", "none"]
    /// Names nobody may create: the predefined ones and docker's alias of the default.
    static let reservedNames: Set<String> = ["bridge", "host", "none", "default"]
    /// The default bridge's interface, subnet and gateway (docker's, but for the name).
    public static let defaultBridgeName = "swrun0"
    static let defaultSubnet = IPNetwork(cidr: "172.17.0.0/16")!
    static let defaultGateway = IPAddress("172.17.0.1")!
    /// The driver option that names a user network's bridge interface.
    public static let bridgeNameOption = "com.docker.network.bridge.name"

    public let root: String
    /// `<root>/networks`.
    public let directory: String
    /// The host's routes, which automatic subnets keep clear of.
    let hostRoutes: @Sendable () -> [IPNetwork]

    public init(root: String) {
        self.init(root: root, hostRoutes: { HostRoutes.ipv4() })
    }

    /// A store that sees `hostRoutes` as the host's routes (tests).
    init(root: String, hostRoutes: @escaping @Sendable () -> [IPNetwork]) {
        self.root = root
        self.directory = root + "/networks"
        self.hostRoutes = hostRoutes
    }

    func path(of id: String) -> String { directory + "/" + id }
    func configPath(of id: String) -> String { path(of: id) + "/config.json" }
    func lockPath(of id: String) -> String { path(of: id) + "/.lock" }
    func addressDirectory(of id: String) -> String { path(of: id) + "/addresses" }

    /// Every network, the predefined ones first (bridge, host, none), then the others
    /// oldest first.
    public func list() throws -> [NetworkConfig] {
        var networks = try loadAll()
        if !Self.predefinedNames.allSatisfy({ name in networks.contains { $0.name == name } }) {
            try withStoreLock { try makePredefined() }
            networks = try loadAll()
        }
        let rank = { (network: NetworkConfig) in Self.predefinedNames.firstIndex(of: network.name) ?? Self.predefinedNames.count }
        return networks.sorted { (rank($0), $0.created) < (rank($1), $1.created) }
    }

    /// The network named `nameOrID`, or with that full ID, or the one whose ID starts
    /// with it (docker's order).
    public func lookup(_ nameOrID: String) throws -> NetworkConfig {
        let networks = try list()
        if let byName = networks.first(where: { $0.name == nameOrID }) { return byName }
        if let byID = networks.first(where: { $0.id == nameOrID }) { return byID }
        let matches = nameOrID.isEmpty ? [] : networks.filter { $0.id.hasPrefix(nameOrID.lowercased()) }
        if matches.count > 1 {
            throw SwrunError(.conflict, "network \(nameOrID) is ambiguous (\(matches.count) matches found based on ID prefix)")
        }
        guard let match = matches.first else { throw SwrunError(.notFound, "network \(nameOrID) not found") }
        return match
    }

    /// Runs `body` holding the network's allocation lock (flock on its `.lock`), and
    /// fails if the network was removed meanwhile. The lock is reentrant on one thread:
    /// `allocateAddress` and `releaseAddresses` take it themselves unless their thread
    /// already holds it, so a caller may wrap several of them (and its own steps) in one
    /// `withLock`. Another thread of the same process waits as another process does.
    public func withLock<T>(_ network: NetworkConfig, _ body: () throws -> T) throws -> T {
        let path = lockPath(of: network.id)
        if HeldLocks.contains(path) { return try body() }
        let fd: Int32
        do {
            fd = try FileLock.open(path, mode: 0o600)
        } catch let error as SwrunError where error.errno == ENOENT {
            throw SwrunError(.notFound, "network \(network.name) not found")
        }
        defer { close(fd) }
        try FileLock.lock(fd, path: path)
        guard FileIO.exists(configPath(of: network.id)) else {
            throw SwrunError(.notFound, "network \(network.name) not found")
        }
        HeldLocks.insert(path)
        defer { HeldLocks.remove(path) }
        return try body()
    }

    /// Runs `body` holding the lock of the network list (create, remove, making the
    /// predefined networks); reentrant on one thread as `withLock` is.
    func withStoreLock<T>(_ body: () throws -> T) throws -> T {
        let path = directory + "/.lock"
        if HeldLocks.contains(path) { return try body() }
        try FileIO.makeDirectories(directory, mode: 0o700)
        return try FileLock.withExclusiveLock(path, mode: 0o600) {
            HeldLocks.insert(path)
            defer { HeldLocks.remove(path) }
            sweepUnfinished()
            return try body()
        }
    }

    /// Every readable network record.
    func loadAll() throws -> [NetworkConfig] {
        let names: [String]
        do {
            names = try FileIO.directoryNames(directory)
        } catch let error as SwrunError where error.errno == ENOENT {
            return []
        }
        return names.filter(Self.isID).compactMap { try? load(id: $0) }
    }

    func load(id: String) throws -> NetworkConfig {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readFile(configPath(of: id))
        } catch let error as SwrunError where error.errno == ENOENT {
            throw SwrunError(.notFound, "network \(id) not found")
        }
        do {
            return try Self.decoder.decode(NetworkConfig.self, from: Data(bytes))
        } catch {
            throw SwrunError(.corrupt, "network \(id): unreadable config.json", cause: error)
        }
    }

    /// Publishes `network` as a new directory: written under a hidden name, fsynced,
    /// then renamed into place. Called under the store lock.
    func publish(_ network: NetworkConfig) throws {
        let staging = directory + "/" + Self.unfinishedPrefix + network.id
        try FileIO.makeDirectories(staging + "/addresses", mode: 0o700)
        do {
            try FileIO.writeDurably(at: staging + "/config.json", bytes: Array(try Self.encoder.encode(network)), mode: 0o600)
            try FileIO.syncDirectory(staging + "/addresses")
            guard rename(staging, path(of: network.id)) == 0 else { throw SwrunError.system("rename \(staging)") }
            try FileIO.syncDirectory(directory)
        } catch {
            try? FileIO.removeTree(staging)
            throw error
        }
    }

    /// Removes what a crash left of a create (under the store lock nobody else is
    /// making one) or of a removal.
    private func sweepUnfinished() {
        for name in (try? FileIO.directoryNames(directory)) ?? [] where name.hasPrefix(Self.unfinishedPrefix) {
            try? FileIO.removeTree(directory + "/" + name)
        }
        FileIO.sweepDetachedTrees(in: directory)
    }

    /// Makes whichever of `bridge`, `host` and `none` is missing. Under the store lock.
    private func makePredefined() throws {
        let existing = Set(try loadAll().map(\.name))
        for name in Self.predefinedNames where !existing.contains(name) {
            try publish(Self.predefined(name, id: Self.newID(), created: Date()))
        }
    }

    /// docker's predefined networks, with swrun's bridge interface.
    static func predefined(_ name: String, id: String, created: Date) -> NetworkConfig {
        switch name {
        case "bridge":
            return NetworkConfig(
                id: id, name: name, driver: "bridge", bridgeName: defaultBridgeName,
                subnets: [SubnetConfig(subnet: defaultSubnet, gateway: defaultGateway, userConfigured: false)],
                dnsEnabled: false,
                options: [
                    "com.docker.network.bridge.default_bridge": "true",
                    "com.docker.network.bridge.enable_icc": "true",
                    "com.docker.network.bridge.enable_ip_masquerade": "true",
                    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
                    bridgeNameOption: defaultBridgeName,
                    "com.docker.network.driver.mtu": "1500",
                ],
                created: created)
        default:
            return NetworkConfig(
                id: id, name: name, driver: name == "host" ? "host" : "null", bridgeName: "", subnets: [],
                dnsEnabled: false, created: created)
        }
    }

    static let unfinishedPrefix = ".new-"

    static func isID(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// 64 random hex digits.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            bytes += [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Dates as Foundation's own number (seconds since 2001), which reads back to the
    /// same `Date` bit for bit, so a record compares equal to what was written.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder = JSONDecoder()
}
