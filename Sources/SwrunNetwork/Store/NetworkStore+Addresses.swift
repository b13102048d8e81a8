import SwrunOS

extension NetworkStore {
    /// Addresses of `subnet` never given to a container, as docker's IPAM reserves them:
    /// IPv4's network and broadcast addresses (not in a /31 or /32), IPv6's
    /// subnet-router anycast address (the first). The gateway comes on top.
    public static func reservedAddresses(of subnet: IPNetwork) -> [IPAddress] {
        switch subnet.family {
        case .v4: subnet.hostBits > 1 ? [subnet.first, subnet.last] : []
        case .v6: [subnet.first]
        }
    }

    /// Gives `containerID` an address of `family` on `network` (of `requested`'s family
    /// when one is asked for) and returns it. Without a request it is the lowest free
    /// address of the first subnet with one, from its `--ip-range` when it has one; a
    /// requested one must lie in a subnet the user configured (docker's rule) and be
    /// free. A container that already holds an address of the family gets it again.
    /// Takes the network's lock unless this thread holds it (`withLock`).
    public func allocateAddress(
        in network: NetworkConfig, containerID: String, requested: IPAddress? = nil, family: IPFamily = .v4,
        durability: StagedFile.Durability = .full
    ) throws -> IPAddress {
        try RecordFile.validateHolder(containerID)
        let family = requested?.family ?? family
        let subnets = network.subnets(of: family)
        guard !subnets.isEmpty else {
            throw SwrunError(.invalidArgument, "network \(network.name) has no \(family.rawValue) subnet")
        }
        return try withLock(network) {
            let current = try readAllocations(network, sweeping: true)
            if let held = current.first(where: { $0.value == containerID && $0.key.family == family })?.key {
                if requested == nil || requested == held { return held }
                throw SwrunError(.conflict, "container \(containerID) already has address \(held) on network \(network.name)")
            }
            let taken = Set(current.keys)
            let address: IPAddress
            if let requested {
                let configured = subnets.filter(\.userConfigured)
                guard !configured.isEmpty else {
                    throw SwrunError(.invalidArgument, "user specified IP address is supported only when connecting to networks with user configured subnets")
                }
                guard let subnet = configured.first(where: { $0.subnet.contains(requested) }) else {
                    throw SwrunError(.invalidArgument, "no configured subnet or ip-range contain the IP address \(requested)")
                }
                if taken.contains(requested) || Self.unavailable(in: subnet).contains(requested) {
                    throw SwrunError(.conflict, "Address already in use")
                }
                address = requested
            } else {
                guard let free = subnets.lazy.compactMap({ Self.firstFree(in: $0, taken: taken) }).first else {
                    throw SwrunError(.conflict, "no available \(family.rawValue) addresses on this network's address pools: \(network.name) (\(network.id))")
                }
                address = free
            }
            let path = addressDirectory(of: network.id) + "/" + address.description
            guard try RecordFile.create(path, contents: containerID + "\n", durability: durability) else {
                throw SwrunError(.conflict, "Address already in use")
            }
            return address
        }
    }

    /// Gives `containerID` an address of every family the network has
    /// (`addressFamilies`), `requested` ones where given; all or none.
    public func allocateAddresses(
        in network: NetworkConfig, containerID: String, requested: [IPAddress] = [],
        durability: StagedFile.Durability = .full
    ) throws -> [IPAddress] {
        try withLock(network) {
            let before = try readAllocations(network, sweeping: false)
            var families = network.addressFamilies
            for address in requested where !families.contains(address.family) { families.append(address.family) }
            var given: [IPAddress] = []
            do {
                for family in families {
                    let wanted = requested.first { $0.family == family }
                    given.append(try allocateAddress(
                        in: network, containerID: containerID, requested: wanted, family: family, durability: durability))
                }
            } catch {
                let fresh = given.filter { before[$0] == nil }
                try? RecordFile.remove(fresh.map { addressDirectory(of: network.id) + "/" + $0.description }, durability: durability)
                throw error
            }
            return given
        }
    }

    /// Takes back every address `containerID` holds on `network`. Nothing to do (a
    /// container without one, a network gone) is not an error.
    public func releaseAddresses(of containerID: String, in network: NetworkConfig, durability: StagedFile.Durability = .full) throws {
        do {
            try withLock(network) {
                let held = try readAllocations(network, sweeping: true).filter { $0.value == containerID }
                try RecordFile.remove(held.keys.map { addressDirectory(of: network.id) + "/" + $0.description }, durability: durability)
            }
        } catch let error as SwrunError where error.code == .notFound {
            return
        }
    }

    /// Takes back the addresses of containers `isLive` says are gone (a container killed
    /// with its monitor, then removed) and returns their IDs.
    @discardableResult
    public func releaseStaleAddresses(in network: NetworkConfig, isLive: (String) -> Bool) throws -> [String] {
        try withLock(network) {
            let stale = try readAllocations(network, sweeping: true).filter { !isLive($0.value) }
            try RecordFile.remove(stale.keys.map { addressDirectory(of: network.id) + "/" + $0.description }, durability: .full)
            return Array(Set(stale.values)).sorted()
        }
    }

    /// The addresses in use on `network`, each with the ID of the container holding it.
    public func allocations(in network: NetworkConfig) throws -> [IPAddress: String] {
        try readAllocations(network, sweeping: false)
    }

    private func readAllocations(_ network: NetworkConfig, sweeping: Bool) throws -> [IPAddress: String] {
        var result: [IPAddress: String] = [:]
        for record in try RecordFile.readAll(in: addressDirectory(of: network.id), sweeping: sweeping) {
            guard let address = IPAddress(record.name) else { continue }
            if let holder = record.contents.split(separator: "\n").first { result[address] = String(holder) }
        }
        return result
    }

    /// The addresses of `subnet` no container may have: the reserved ones and the gateway.
    static func unavailable(in subnet: SubnetConfig) -> Set<IPAddress> {
        Set(reservedAddresses(of: subnet.subnet) + [subnet.gateway])
    }

    /// The lowest address of the subnet's pool (its range, or all of it) that is neither
    /// unavailable nor in `taken`. It looks at no more candidates than there are
    /// addresses in use, so a large IPv6 block costs no more than a small one.
    static func firstFree(in subnet: SubnetConfig, taken: Set<IPAddress>) -> IPAddress? {
        let pool = subnet.ipRange ?? subnet.subnet
        guard var offset = subnet.subnet.offset(of: pool.first), let end = subnet.subnet.offset(of: pool.last) else { return nil }
        let blocked = unavailable(in: subnet).union(taken)
        while true {
            if let candidate = subnet.subnet.address(atOffset: offset), !blocked.contains(candidate) { return candidate }
            if offset >= end { return nil }
            offset += 1
        }
    }
}
