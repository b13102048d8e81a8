import Glibc
import SwrunOS

/// Name resolution on user networks through aardvark-dns 1.4 (Debian's, podman's), as
/// netavark drives it: one server for all networks, started on demand in the caller's
/// network namespace (the host's), listening on each network's gateway and answering
/// a container's queries with the names of the containers on its networks; other names
/// go to the container's upstreams. The server reads the network files in
/// `configDirectory` (`AardvarkNetworkFile`) when it starts and again on SIGHUP.
///
/// `configDirectory` is runtime state (it belongs under /run): the server reads every
/// file in it, so it holds nothing but the network files and the server's
/// `aardvark.pid`. Changes are serialized by an flock on the directory itself (a lock
/// file in it would be read as a network, and an empty one stops the server).
public struct AardvarkDNS: Sendable {
    public let configDirectory: String
    public let binary: String
    public let port: UInt16

    /// The server's pid file, written by aardvark-dns itself.
    static let pidFileName = "aardvark.pid"
    /// How long a start, a reload or a stop may take (each takes milliseconds).
    var deadline = Duration.seconds(5)

    public init(configDirectory: String, binary: String = "/usr/lib/podman/aardvark-dns", port: UInt16 = 53) {
        self.configDirectory = configDirectory
        self.binary = binary
        self.port = port
    }

    /// Adds (or replaces) the container's entry in `network`'s file, answering to
    /// `names` (its name and aliases) with its addresses, then starts the server in the
    /// caller's network namespace if none runs, else makes it reload; returns once the
    /// server answers on every one of `gateways` (which must be assigned by then).
    /// `upstreams` are where the server forwards this container's other queries (the
    /// host's resolvers, or its `--dns`); zoned addresses (fe80::1%eth0) are left out, as
    /// aardvark-dns cannot read them; none means the server's own /etc/resolv.conf.
    /// On failure the network's file is as it was.
    public func add(
        network: String, gateways: [String], upstreams: [String], containerID: String,
        ipv4: [String], ipv6: [String], names: [String]
    ) throws {
        try Self.checkNetworkName(network)
        try Self.checkWord(containerID, what: "container ID")
        for name in names { try Self.checkWord(name, what: "DNS name") }
        guard !names.isEmpty else { throw SwrunError(.invalidArgument, "aardvark-dns: container \(containerID) has no DNS name") }
        guard !gateways.isEmpty else { throw SwrunError(.invalidArgument, "aardvark-dns: network \(network) has no gateway") }
        var listenAddresses: [[UInt8]] = []
        for gateway in gateways {
            guard let bytes = UDPSocketTable.addressBytes(gateway) else { throw Self.badAddress(gateway) }
            listenAddresses.append(bytes)
        }
        for address in ipv4 where UDPSocketTable.addressBytes(address, family: AF_INET) == nil { throw Self.badAddress(address) }
        for address in ipv6 where UDPSocketTable.addressBytes(address, family: AF_INET6) == nil { throw Self.badAddress(address) }
        let forwarders = upstreams.filter { !$0.contains("%") }
        for address in forwarders where UDPSocketTable.addressBytes(address) == nil { throw Self.badAddress(address) }

        try FileIO.makeDirectories(configDirectory)
        try withDirectoryLock {
            let path = networkPath(network)
            let previous = FileIO.exists(path) ? try FileIO.readString(path) : nil
            var file = previous.map(AardvarkNetworkFile.init(parsing:)) ?? AardvarkNetworkFile(gateways: gateways)
            file.gateways = gateways
            file.setEntry(containerID: containerID, ipv4: ipv4, ipv6: ipv6, names: names, upstreams: forwarders)
            try write(file.text, to: path)
            do {
                if let server = runningServer() {
                    // A reload closes every socket: wait for all networks' gateways,
                    // not only this one's, so none is left unbound when this returns.
                    try reload(server, until: try allGatewayAddresses())
                } else {
                    try start(until: listenAddresses)
                }
            } catch {
                if let previous { try? write(previous, to: path) } else { unlink(path) }
                throw error
            }
        }
    }

    /// Removes the container's entry from `network`'s file (the file goes with its last
    /// entry); when no network has entries left the server is stopped and its pid file
    /// removed, else it reloads. Removing what is not there is not an error.
    public func remove(network: String, containerID: String) throws {
        try Self.checkNetworkName(network)
        guard FileIO.exists(configDirectory) else { return }
        try withDirectoryLock {
            let path = networkPath(network)
            var changed = false
            if FileIO.exists(path) {
                var file = AardvarkNetworkFile(parsing: try FileIO.readString(path))
                changed = file.removeEntry(containerID: containerID)
                if file.entries.isEmpty {
                    guard unlink(path) == 0 || errno == ENOENT else { throw SwrunError.system("remove \(path)") }
                    changed = true
                } else if changed {
                    try write(file.text, to: path)
                }
            }
            if try networkNames().isEmpty {
                try stopServer()
            } else if changed, let server = runningServer() {
                try reload(server, until: try allGatewayAddresses())
            }
        }
    }

    /// Whether this directory's server runs.
    public func isRunning() -> Bool { runningServer() != nil }

    /// The running server's pid, nil when none runs.
    public func serverProcessID() -> Int32? { runningServer() }

    // MARK: - Files

    var pidPath: String { configDirectory + "/" + Self.pidFileName }

    func networkPath(_ network: String) -> String { configDirectory + "/" + network }

    /// The networks with a file.
    func networkNames() throws -> [String] {
        try FileIO.directoryNames(configDirectory).filter { !$0.hasPrefix(".") && $0 != Self.pidFileName }
    }

    /// The gateways of every network with a file: where the server listens.
    func allGatewayAddresses() throws -> [[UInt8]] {
        var addresses: [[UInt8]] = []
        for network in try networkNames() {
            let file = AardvarkNetworkFile(parsing: try FileIO.readString(networkPath(network)))
            for gateway in file.gateways {
                if let bytes = UDPSocketTable.addressBytes(gateway), !addresses.contains(bytes) { addresses.append(bytes) }
            }
        }
        return addresses
    }

    /// Replaces the file at `path` in one rename: the server never reads half a file.
    private func write(_ text: String, to path: String) throws {
        try FileIO.writeDurably(at: path, bytes: Array(text.utf8), durability: .atomic)
    }

    /// Runs `body` holding the directory's lock, after removing the temporaries a
    /// crashed writer left (the server would read them as networks).
    private func withDirectoryLock<Result>(_ body: () throws -> Result) throws -> Result {
        let fd = open(configDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(configDirectory)") }
        defer { close(fd) }
        try FileLock.lock(fd, path: configDirectory)
        for name in try FileIO.directoryNames(configDirectory) where name.hasPrefix(".") {
            unlink(configDirectory + "/" + name)
        }
        return try body()
    }

    // MARK: - Checks

    /// A network's file name: docker's network names qualify, "aardvark.pid" and names
    /// starting with a dot (swrun's temporaries) do not.
    private static func checkNetworkName(_ name: String) throws {
        guard !name.isEmpty, !name.hasPrefix("."), name != pidFileName, !name.contains("/"), !name.contains("\0") else {
            throw SwrunError(.invalidArgument, "aardvark-dns: invalid network name \"\(name)\"")
        }
    }

    /// A field of an entry line: no separators of the format in it.
    private static func checkWord(_ word: String, what: String) throws {
        guard !word.isEmpty, !word.contains(where: { $0 == "," || $0.isWhitespace || $0 == "\0" }) else {
            throw SwrunError(.invalidArgument, "aardvark-dns: invalid \(what) \"\(word)\"")
        }
    }

    private static func badAddress(_ text: String) -> SwrunError {
        SwrunError(.invalidArgument, "aardvark-dns: invalid IP address \"\(text)\"")
    }
}
