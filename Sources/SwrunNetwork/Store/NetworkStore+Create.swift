import FoundationEssentials
import SwrunOS

extension NetworkStore {
    /// docker's local address pools for networks made without `--subnet`, in the
    /// order they are tried: 172.18.0.0/16 … 172.31.0.0/16, then 192.168.0.0/20 …
    /// 192.168.240.0/20 (172.17.0.0/16 is the default bridge's).
    static let automaticPools: [IPNetwork] =
        (18...31).compactMap { IPNetwork(cidr: "172.\($0).0.0/16") }
        + (0..<16).compactMap { IPNetwork(cidr: "192.168.\($0 * 16).0/20") }

    /// Makes a network from `request`, checked as docker checks it (the CLI's
    /// consolidation of --subnet, --gateway and --ip-range, then the daemon's
    /// validation), with a subnet from the pools when none is given. Nothing is left
    /// behind when it fails.
    public func create(_ request: NetworkCreateRequest) throws -> NetworkConfig {
        try Self.validateName(request.name)
        let driver = request.driver.isEmpty ? "bridge" : request.driver
        guard driver == "bridge" else {
            if driver == "host" || driver == "null" {
                throw SwrunError(.invalidArgument, "only one instance of \"\(driver)\" network is allowed")
            }
            throw SwrunError(.unsupported, "driver \"\(driver)\" is not supported: swrun networks use the bridge driver")
        }
        var subnets = try Self.consolidate(request)
        if let v6 = subnets.first(where: { $0.subnet.family == .v6 }), !request.ipv6 {
            throw SwrunError(.invalidArgument, "IPv6 subnet \(v6.subnet) needs --ipv6")
        }
        let chosenBridge = request.options[Self.bridgeNameOption]
        if let chosenBridge { try Self.validateInterfaceName(chosenBridge) }

        return try withStoreLock {
            let existing = try list()
            if existing.contains(where: { $0.name == request.name }) {
                throw SwrunError(.alreadyExists, "network with name \(request.name) already exists")
            }
            let taken = existing.flatMap { $0.subnets.map(\.subnet) }
            for subnet in subnets where taken.contains(where: { $0.overlaps(subnet.subnet) }) {
                throw SwrunError(.conflict, "invalid pool request: Pool overlaps with other one on this address space")
            }
            if !subnets.contains(where: { $0.subnet.family == .v4 }) {
                let pool = try pickPool(avoiding: taken + subnets.map(\.subnet))
                subnets.insert(Self.defaultSubnetConfig(pool, userConfigured: false), at: 0)
            }
            if request.ipv6, !subnets.contains(where: { $0.subnet.family == .v6 }) {
                let pool = Self.pickUniqueLocalPool(avoiding: taken)
                subnets.append(Self.defaultSubnetConfig(pool, userConfigured: false))
            }
            let id = Self.newID()
            let bridgeName = chosenBridge ?? "swbr-" + id.prefix(10)
            if let other = existing.first(where: { $0.bridgeName == bridgeName }) {
                throw SwrunError(.conflict, "cannot create network \(id) (\(bridgeName)): conflicts with network \(other.id) (\(other.bridgeName)): networks have same bridge name")
            }
            let network = NetworkConfig(
                id: id, name: request.name, driver: driver, bridgeName: bridgeName, subnets: subnets,
                internal: request.internal, enableIPv6: request.ipv6, dnsEnabled: true,
                labels: request.labels, options: request.options, created: Date())
            try publish(network)
            return network
        }
    }

    /// A subnet as swrun completes it: the gateway is its first host.
    static func defaultSubnetConfig(_ subnet: IPNetwork, userConfigured: Bool) -> SubnetConfig {
        SubnetConfig(subnet: subnet, gateway: subnet.address(at: 1) ?? subnet.first, userConfigured: userConfigured)
    }

    /// The first pool that overlaps neither `taken` nor a host route.
    func pickPool(avoiding taken: [IPNetwork]) throws -> IPNetwork {
        let blocked = taken + hostRoutes()
        guard let pool = Self.automaticPools.first(where: { pool in !blocked.contains { $0.overlaps(pool) } }) else {
            throw SwrunError(.conflict, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
        }
        return pool
    }

    /// A random unique local /64 (fdXX:XXXX:XXXX:XXXX::/64, RFC 4193) that overlaps none of `taken`.
    static func pickUniqueLocalPool(avoiding taken: [IPNetwork]) -> IPNetwork {
        var generator = SystemRandomNumberGenerator()
        while true {
            let prefix = (UInt128(0xfd) << 120) | (UInt128(UInt64.random(in: 0...((1 << 56) - 1), using: &generator)) << 64)
            let pool = IPNetwork(address: .v6(IPv6Address(prefix)), prefixLength: 64)!
            if !taken.contains(where: { $0.overlaps(pool) }) { return pool }
        }
    }

    /// docker's CLI grouping of --subnet, --ip-range and --gateway into subnets, then
    /// the daemon's checks of each (its words, one line).
    static func consolidate(_ request: NetworkCreateRequest) throws -> [SubnetConfig] {
        if request.subnets.count < request.ipRanges.count || request.subnets.count < request.gateways.count {
            throw SwrunError(.invalidArgument, "every ip-range or gateway must have a corresponding subnet")
        }
        var blocks: [IPNetwork] = []
        for text in request.subnets {
            guard let block = IPNetwork(cidr: text) ?? IPAddress(text).flatMap({ IPNetwork(address: $0, prefixLength: $0.family.bitLength) }) else {
                throw invalidConfig("invalid subnet \(text): invalid CIDR block notation")
            }
            if blocks.contains(where: { $0.overlaps(block) }) {
                throw SwrunError(.invalidArgument, "multiple overlapping subnet configuration is not supported")
            }
            blocks.append(block)
        }
        var ranges: [IPNetwork?] = Array(repeating: nil, count: blocks.count)
        for text in request.ipRanges {
            // The CLI reads --ip-range as a net.IPNet, which drops host bits.
            guard let range = IPNetwork(cidr: text)?.masked else {
                throw SwrunError(.invalidArgument, "invalid argument \"\(text)\" for \"--ip-range\" flag: invalid CIDR address: \(text)")
            }
            let matching = blocks.indices.filter { blocks[$0].contains(range.address) }
            guard !matching.isEmpty else { throw SwrunError(.invalidArgument, "no matching subnet for range \(range)") }
            for index in matching {
                if let set = ranges[index] {
                    throw SwrunError(.invalidArgument, "cannot configure multiple ranges (\(range), \(set)) on the same subnet (\(request.subnets[index]))")
                }
                ranges[index] = range
            }
        }
        var gateways: [IPAddress?] = Array(repeating: nil, count: blocks.count)
        for text in request.gateways {
            guard let gateway = IPAddress(text) else {
                throw SwrunError(.invalidArgument, "invalid argument \"\(text)\" for \"--gateway\" flag: invalid string being converted to IP address: \(text)")
            }
            let matching = blocks.indices.filter { blocks[$0].contains(gateway) }
            guard !matching.isEmpty else { throw SwrunError(.invalidArgument, "no matching subnet for gateway \(gateway)") }
            for index in matching {
                if let set = gateways[index] {
                    throw SwrunError(.invalidArgument, "cannot configure multiple gateways (\(gateway), \(set)) for the same subnet (\(request.subnets[index]))")
                }
                gateways[index] = gateway
            }
        }
        return try blocks.indices.map { index in
            let block = blocks[index]
            guard block.isMasked else { throw invalidConfig("invalid subnet \(block): it should be \(block.masked)") }
            if let range = ranges[index], range.prefixLength < block.prefixLength {
                throw invalidConfig("invalid ip-range \(range): CIDR block is bigger than its parent subnet \(block)")
            }
            // Room for the gateway and one container beside the reserved addresses.
            guard block.hostBits >= (block.family == .v4 ? 1 : 2) else {
                throw invalidConfig("invalid subnet \(block): it leaves no address for containers")
            }
            var subnet = defaultSubnetConfig(block, userConfigured: true)
            subnet.ipRange = ranges[index]
            if let gateway = gateways[index] {
                if reservedAddresses(of: block).contains(gateway) {
                    throw SwrunError(.invalidArgument, "failed to allocate gateway (\(gateway)): Address already in use")
                }
                subnet.gateway = gateway
            }
            return subnet
        }
    }

    /// The daemon's validation failure: "invalid network config:" and the reason.
    private static func invalidConfig(_ reason: String) -> SwrunError {
        SwrunError(.invalidArgument, "invalid network config: " + reason)
    }

    /// Network names as container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, and not one of the predefined.
    static func validateName(_ name: String) throws {
        if reservedNames.contains(name) {
            throw SwrunError(.invalidArgument, "operation is not permitted on predefined \(name) network")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.allSatisfy(allowed.contains) else {
            throw SwrunError(.invalidArgument, "invalid network name \"\(name)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
    }

    /// A Linux interface name: 1–15 bytes, no slash, colon or white space, not "." or "..".
    static func validateInterfaceName(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 15, name != ".", name != "..",
              bytes.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }) else {
            throw SwrunError(.invalidArgument, "invalid bridge name \"\(name)\": an interface name has 1 to 15 characters, without '/', ':' or spaces")
        }
        if name == defaultBridgeName {
            throw SwrunError(.conflict, "bridge name \(name) belongs to the default network")
        }
    }
}
