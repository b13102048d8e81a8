import Glibc
import SwrunOS

/// The host ports published containers hold, under `<root>/ports/`:
///
///     ports/.lock                         held while ports are reserved or released
///     ports/<proto>-<port>-<host>         one file per reserved port ("all" for every
///                                         address), holding "<container ID> <container port>"
///
/// A reservation is a record in the store (for ports other containers hold) checked
/// against the host itself: a port some other program has bound cannot be published.
public struct PortReservations: Sendable {
    public let root: String
    /// `<root>/ports`.
    public let directory: String
    /// The range automatic host ports come from.
    let ephemeralRange: @Sendable () -> ClosedRange<UInt16>

    public init(root: String) {
        self.init(root: root, ephemeralRange: { PortProbe.ephemeralRange() })
    }

    /// Reservations that pick automatic ports from `ephemeralRange` (tests).
    init(root: String, ephemeralRange: @escaping @Sendable () -> ClosedRange<UInt16>) {
        self.root = root
        self.directory = root + "/ports"
        self.ephemeralRange = ephemeralRange
    }

    /// Reserves every mapping for the container, all or none, and returns them with
    /// their host ports decided: port 0 takes the lowest free port of
    /// `/proc/sys/net/ipv4/ip_local_port_range`, a host range its lowest free port. A
    /// port is free when no container holds it on an overlapping address and the host
    /// lets a socket of its protocol bind it (the probe socket is closed at once).
    public func reserve(_ mappings: [PortMapping], containerID: String, durability: StagedFile.Durability = .full) throws -> [PortMapping] {
        try RecordFile.validateHolder(containerID)
        guard !mappings.isEmpty else { return [] }
        return try withLock {
            var held = try records(sweeping: true).map(\.mapping)
            var resolved: [PortMapping] = []
            for var mapping in mappings {
                if mapping.hostPort != 0 && (mapping.hostPortEnd ?? mapping.hostPort) == mapping.hostPort {
                    try claim(mapping, among: held)
                } else {
                    mapping.hostPort = try pick(for: mapping, among: held)
                }
                mapping.hostPortEnd = nil
                held.append(mapping)
                resolved.append(mapping)
            }
            var written: [String] = []
            do {
                for mapping in resolved {
                    let path = directory + "/" + Self.recordName(mapping)
                    guard try RecordFile.create(path, contents: "\(containerID) \(mapping.containerPort)\n", durability: durability) else {
                        throw Self.allocated(mapping)
                    }
                    written.append(path)
                }
            } catch {
                try? RecordFile.remove(written, durability: durability)
                throw error
            }
            return resolved
        }
    }

    /// Gives back every port the container holds; none is not an error.
    public func release(containerID: String, durability: StagedFile.Durability = .full) throws {
        try withLock {
            let mine = try records(sweeping: true).filter { $0.containerID == containerID }
            try RecordFile.remove(mine.map { directory + "/" + $0.name }, durability: durability)
        }
    }

    /// Gives back the ports of containers `isLive` says are gone, and returns their IDs.
    @discardableResult
    public func releaseStale(isLive: (String) -> Bool) throws -> [String] {
        try withLock {
            let stale = try records(sweeping: true).filter { !isLive($0.containerID) }
            try RecordFile.remove(stale.map { directory + "/" + $0.name }, durability: .full)
            return Array(Set(stale.map(\.containerID))).sorted()
        }
    }

    /// The ports the container holds, in port order.
    public func reserved(by containerID: String) throws -> [PortMapping] {
        try records(sweeping: false).filter { $0.containerID == containerID }.map(\.mapping)
            .sorted { ($0.hostPort, $0.proto, $0.hostIP) < ($1.hostPort, $1.proto, $1.hostIP) }
    }

    /// Every reservation, with the container holding it.
    public func all() throws -> [(containerID: String, mapping: PortMapping)] {
        try records(sweeping: false).map { ($0.containerID, $0.mapping) }
    }

    /// Fails unless `mapping`'s host port is free of `held` and bindable.
    private func claim(_ mapping: PortMapping, among held: [PortMapping]) throws {
        if held.contains(where: { Self.conflict($0, mapping) }) { throw Self.allocated(mapping) }
        if let errno = PortProbe.bindError(mapping) {
            if errno == EADDRINUSE { throw Self.allocated(mapping) }
            throw Self.unbindable(mapping, errno: errno)
        }
    }

    /// The lowest free port of the mapping's host range, or of the automatic range.
    private func pick(for mapping: PortMapping, among held: [PortMapping]) throws -> UInt16 {
        let range = mapping.hostPort == 0 ? ephemeralRange() : mapping.hostPort...(mapping.hostPortEnd ?? mapping.hostPort)
        var candidate = mapping
        for port in range {
            candidate.hostPort = port
            if held.contains(where: { Self.conflict($0, candidate) }) { continue }
            guard let errno = PortProbe.bindError(candidate) else { return port }
            if errno != EADDRINUSE && errno != EACCES { throw Self.unbindable(candidate, errno: errno) }
        }
        throw SwrunError(.conflict, "all ports are allocated")
    }

    /// Two mappings want the same host port when protocol and port match and their
    /// addresses meet: the same one, or either listening everywhere.
    static func conflict(_ a: PortMapping, _ b: PortMapping) -> Bool {
        a.proto == b.proto && a.hostPort == b.hostPort
            && (a.listensEverywhere || b.listensEverywhere || a.hostIP == b.hostIP)
    }

    static func allocated(_ mapping: PortMapping) -> SwrunError {
        SwrunError(.conflict, "Bind for \(mapping.hostEndpoint) failed: port is already allocated")
    }

    /// docker's words when the host refuses the address itself (not one of its own).
    static func unbindable(_ mapping: PortMapping, errno: Int32) -> SwrunError {
        let family = mapping.hostIP.contains(":") ? "6" : "4"
        return SwrunError(
            .system, "Error starting userland proxy: listen \(mapping.proto)\(family) \(mapping.hostEndpoint): bind: \(String(cString: strerror(errno)).lowercased())",
            errno: errno)
    }

    private struct Record {
        var name: String
        var containerID: String
        var mapping: PortMapping
    }

    /// "tcp-8080-all", "udp-53-127.0.0.1", "tcp-443-::1".
    static func recordName(_ mapping: PortMapping) -> String {
        "\(mapping.proto)-\(mapping.hostPort)-\(mapping.hostIP.isEmpty ? "all" : mapping.hostIP)"
    }

    private func records(sweeping: Bool) throws -> [Record] {
        try RecordFile.readAll(in: directory, sweeping: sweeping).compactMap { record in
            let parts = record.name.split(separator: "-", maxSplits: 2).map(String.init)
            let contents = record.contents.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            guard parts.count == 3, let hostPort = UInt16(parts[1]), contents.count == 2,
                  let containerPort = UInt16(contents[1]) else { return nil }
            let mapping = PortMapping(hostIP: parts[2] == "all" ? "" : parts[2], hostPort: hostPort, containerPort: containerPort, proto: parts[0])
            return Record(name: record.name, containerID: contents[0], mapping: mapping)
        }
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileIO.makeDirectories(directory, mode: 0o700)
        return try FileLock.withExclusiveLock(directory + "/.lock", mode: 0o600, body)
    }
}
