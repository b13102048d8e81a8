import FoundationEssentials
import Glibc
import SwrunNetwork
import SwrunOS

/// Sets up and tears down containers' networks in one store: a namespace pinned under
/// the store, a veth per network on the network's bridge, the address from the
/// network's pool, firewall elements for NAT and published ports, DNS entries.
/// Bridges and firewall networks exist only while a container uses them.
public struct ContainerNetwork: Sendable {
    public let paths: NetworkPaths
    let networks: NetworkStore
    let reservations: PortReservations
    let dns: AardvarkDNS
    /// Takes a warning line ("WARNING: …") about something that works only in part.
    let warn: @Sendable (String) -> Void

    public init(root: String, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        paths = NetworkPaths(root: root)
        networks = NetworkStore(root: root)
        reservations = PortReservations(root: root)
        dns = AardvarkDNS(configDirectory: paths.aardvark)
        self.warn = warn
    }

    /// Everything the request asks for, or nothing: a failure undoes what was done.
    public func attach(_ request: NetworkRequest) throws -> NetworkAttachment {
        try FileIO.makeDirectories(paths.namespaces)
        try FileIO.makeDirectories(paths.attachments)
        return try FileLock.withExclusiveLock(paths.lock, mode: 0o600) {
            let id = request.containerID
            if try paths.readAttachment(of: id) != nil { try detachLocked(id) }
            let configs = try request.endpoints.map { try networks.lookup($0.network) }
            var record = NetworkAttachment(containerID: id, namespacePath: paths.namespace(of: id))
            try paths.write(record)
            do {
                try setUp(request, configs: configs, record: &record)
                record.complete = true
                try paths.write(record)
                return record
            } catch {
                try? detachLocked(id)
                throw error
            }
        }
    }

    /// One network's veth, address and route for a container whose namespace exists.
    private func addEndpoint(_ wanted: EndpointRequest, on network: NetworkConfig, index: Int, containerID id: String,
                             record: inout NetworkAttachment, host: RouteSocket, firewall: Firewall, inside: RouteSocket) throws {
        guard let subnet = network.subnets.first(where: { $0.subnet.address.family == .v4 }) else {
            throw SwrunError(.unsupported, "network \(network.name) has no IPv4 subnet")
        }
        let requested = try wanted.ipv4.map { text -> IPAddress in
            guard let address = IPAddress(text) else { throw SwrunError(.invalidArgument, "invalid IPv4 address: \(text)") }
            return address
        }
        let address = try networks.withLock(network) {
            try networks.allocateAddress(in: network, containerID: id, requested: requested, durability: .atomic)
        }
        // An IPv6 network (`--ipv6`) gives an IPv6 address too, masqueraded on the way out
        // as docker's NAT gateway mode does.
        let subnet6 = network.enableIPv6 ? network.subnets.first(where: { $0.subnet.address.family == .v6 }) : nil
        let requested6 = try wanted.ipv6.map { text -> IPAddress in
            guard subnet6 != nil else {
                throw SwrunError(.invalidArgument, "invalid IPv6 address \(text): network \(network.name) has no IPv6 subnet")
            }
            guard let address = IPAddress(text), address.family == .v6 else {
                throw SwrunError(.invalidArgument, "invalid IPv6 address: \(text)")
            }
            return address
        }
        let address6 = try subnet6.map { _ in
            try networks.withLock(network) {
                try networks.allocateAddress(in: network, containerID: id, requested: requested6, family: .v6, durability: .atomic)
            }
        }
        let mac = wanted.mac ?? dockerMAC(forIPv4: address.description)
        var endpoint = Endpoint(
            networkID: network.id, networkName: network.name, bridge: network.bridgeName, interface: "eth\(index)",
            hostInterface: "sw" + id.prefix(11) + String(index), address: address.description,
            prefixLength: subnet.subnet.prefixLength, gateway: subnet.gateway.description, mac: mac,
            aliases: wanted.aliases, dnsServer: network.dnsEnabled ? subnet.gateway.description : nil)
        if let address6, let subnet6 {
            endpoint.ipv6Address = address6.description
            endpoint.ipv6PrefixLength = subnet6.subnet.prefixLength
            endpoint.ipv6Gateway = subnet6.gateway.description
        }
        record.endpoints.append(endpoint)
        try paths.write(record)

        if !(try host.linkExists(network.bridgeName)) { try bringUp(network, host: host, firewall: firewall) }
        try host.createVeth(hostName: endpoint.hostInterface, peerName: endpoint.interface, peerNamespace: record.namespacePath,
                            bridge: network.bridgeName, mac: mac)
        // An interface given only an IPv4 address has no IPv6, link-local included, as in
        // docker since 26.0.2 (CVE-2024-32473): no way round the IPv6 firewall, which
        // knows only IPv6 networks. A kernel without IPv6 has no such key.
        if endpoint.ipv6Address == nil {
            do {
                try NetworkNamespace.perform(in: record.namespacePath) {
                    try Sysctl.set("net/ipv6/conf/\(endpoint.interface)/disable_ipv6", "1")
                }
            } catch let error as SwrunError where error.code == .notFound {}
        }
        try inside.addAddress("\(address)/\(subnet.subnet.prefixLength)", to: endpoint.interface)
        if let address6 = endpoint.ipv6Address, let prefix = endpoint.ipv6PrefixLength {
            try inside.addAddress("\(address6)/\(prefix)", to: endpoint.interface)
        }
        try inside.setUp(endpoint.interface)
        if index == 0 && !network.internal {
            try inside.addDefaultRoute(via: subnet.gateway.description)
            if let gateway6 = endpoint.ipv6Gateway { try inside.addDefaultRoute(via: gateway6) }
        }
    }

    /// `network connect`: a running container joins one more network.
    public func connect(containerID id: String, containerName: String, to wanted: EndpointRequest) throws {
        try FileLock.withExclusiveLock(paths.lock, mode: 0o600) {
            guard var record = try paths.readAttachment(of: id), record.complete else {
                throw SwrunError(.conflict, "container \(id.prefix(12)) has no network namespace of swrun's to connect")
            }
            let network = try networks.lookup(wanted.network)
            if record.endpoints.contains(where: { $0.networkID == network.id }) {
                throw SwrunError(.alreadyExists, "endpoint with name \(containerName) already exists in network \(network.name)")
            }
            let index = (record.endpoints.compactMap { Int($0.interface.dropFirst(3)) }.max() ?? -1) + 1
            do {
                try addEndpoint(wanted, on: network, index: index, containerID: id, record: &record, host: try RouteSocket(namespace: nil),
                                firewall: try Firewall(namespace: nil), inside: try RouteSocket(namespace: record.namespacePath))
                if let endpoint = record.endpoints.last, let server = endpoint.dnsServer {
                    let upstreams = ContainerNetworkFiles.upstreamServers(hostFile: (try? FileIO.readString("/etc/resolv.conf")) ?? "")
                    try dns.add(network: endpoint.networkName, gateways: [server], upstreams: upstreams, containerID: id,
                                ipv4: [endpoint.address], ipv6: endpoint.ipv6Address.map { [$0] } ?? [],
                                names: [containerName] + endpoint.aliases)
                }
                try paths.write(record)
            } catch {
                try? removeEndpoint(networkID: network.id, containerID: id, record: &record)
                throw error
            }
        }
    }

    /// `network disconnect`: the container leaves one network.
    public func disconnect(containerID id: String, from nameOrID: String) throws {
        try FileLock.withExclusiveLock(paths.lock, mode: 0o600) {
            let network = try networks.lookup(nameOrID)
            guard var record = try paths.readAttachment(of: id), record.endpoints.contains(where: { $0.networkID == network.id }) else {
                throw SwrunError(.notFound, "container \(id.prefix(12)) is not connected to network \(network.name)")
            }
            try removeEndpoint(networkID: network.id, containerID: id, record: &record)
        }
    }

    private func removeEndpoint(networkID: String, containerID id: String, record: inout NetworkAttachment) throws {
        guard let endpoint = record.endpoints.first(where: { $0.networkID == networkID }) else { return }
        if endpoint.dnsServer != nil { try dns.remove(network: endpoint.networkName, containerID: id) }
        try RouteSocket(namespace: nil).deleteLink(endpoint.hostInterface)
        if let network = try? networks.lookup(networkID) {
            try networks.releaseAddresses(of: id, in: network, durability: .atomic)
        }
        record.endpoints.removeAll { $0.networkID == networkID }
        try paths.write(record)
    }

    /// Undoes the container's attachment; nothing to undo is not an error.
    public func detach(containerID: String) throws {
        guard FileIO.exists(paths.attachment(of: containerID)) else { return }
        try FileLock.withExclusiveLock(paths.lock, mode: 0o600) { try detachLocked(containerID) }
    }

    private func setUp(_ request: NetworkRequest, configs: [NetworkConfig], record: inout NetworkAttachment) throws {
        let id = request.containerID
        let host = try RouteSocket(namespace: nil)
        let firewall = try Firewall(namespace: nil)
        if (try? Sysctl.get("net/ipv4/ip_forward")) != "1" { try Sysctl.set("net/ipv4/ip_forward", "1") }
        try NetworkNamespace.create(at: record.namespacePath)
        let inside = try RouteSocket(namespace: record.namespacePath)
        try inside.setUp("lo")
        for (index, (wanted, network)) in zip(request.endpoints, configs).enumerated() {
            try addEndpoint(wanted, on: network, index: index, containerID: id, record: &record, host: host, firewall: firewall,
                            inside: inside)
        }
        if !request.ports.isEmpty, let target = record.primaryAddress {
            let target6 = record.endpoints.first?.ipv6Address
            _ = try Self.firewallPorts(request.ports, to: target, ipv6: target6, strict: true)
            record.ports = try reservations.reserve(request.ports, containerID: id, durability: .atomic)
            try paths.write(record)
            try firewall.add(ports: try Self.firewallPorts(record.ports, to: target, ipv6: target6, strict: true))
        }
        let upstreams = ContainerNetworkFiles.upstreamServers(hostFile: (try? FileIO.readString("/etc/resolv.conf")) ?? "")
        for endpoint in record.endpoints {
            guard let server = endpoint.dnsServer else { continue }
            try dns.add(network: endpoint.networkName, gateways: [server], upstreams: upstreams, containerID: id,
                        ipv4: [endpoint.address], ipv6: endpoint.ipv6Address.map { [$0] } ?? [],
                        names: [request.containerName] + endpoint.aliases)
        }
    }

    /// Each step runs even when an earlier one failed; the first failure is reported.
    private func detachLocked(_ id: String) throws {
        guard let record = try paths.readAttachment(of: id) else { return }
        var firstError: (any Error)?
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch { if firstError == nil { firstError = error } }
        }
        for endpoint in record.endpoints where endpoint.dnsServer != nil {
            attempt { try dns.remove(network: endpoint.networkName, containerID: id) }
        }
        if let target = record.primaryAddress, !record.ports.isEmpty {
            let target6 = record.endpoints.first?.ipv6Address
            attempt { try Firewall(namespace: nil).remove(ports: try Self.firewallPorts(record.ports, to: target, ipv6: target6, strict: false)) }
        }
        attempt { try reservations.release(containerID: id, durability: .atomic) }
        // The veth pair goes with the namespace: the kernel tears it down in the
        // background once the last reference (this bind mount) is gone. Deleting the
        // veth here would wait its grace periods (10-30 ms) on every container's exit.
        attempt { try NetworkNamespace.remove(at: record.namespacePath) }
        for endpoint in record.endpoints {
            attempt {
                guard let network = try? networks.lookup(endpoint.networkID) else { return }
                try networks.releaseAddresses(of: id, in: network, durability: .atomic)
            }
        }
        if let firstError { throw firstError }
        unlink(paths.attachment(of: id))
    }

    /// Makes the network's bridge and firewall elements (`network create`; `attach`
    /// makes them too when they are missing, as after a reboot). They stay while the
    /// network exists, as docker's bridges do: creating and deleting a bridge per
    /// container would cost a kernel grace period (tens of ms) each way.
    public func bringUp(network nameOrID: String) throws {
        try FileIO.makeDirectories(paths.directory)
        try FileLock.withExclusiveLock(paths.lock, mode: 0o600) {
            let network = try networks.lookup(nameOrID)
            try bringUp(network, host: try RouteSocket(namespace: nil), firewall: try Firewall(namespace: nil))
        }
    }

    /// `network rm`: refused while a container uses the network; else its bridge and
    /// firewall elements go (swrun's table with the last of them), then its record.
    public func remove(network nameOrID: String) throws {
        try FileIO.makeDirectories(paths.directory)
        try FileLock.withExclusiveLock(paths.lock, mode: 0o600) {
            let network = try networks.lookup(nameOrID)
            // The store refuses the predefined networks in docker's words.
            if network.isPredefined { return try networks.remove(network.id) }
            guard try networks.allocations(in: network).isEmpty else {
                throw SwrunError(.conflict, "error while removing network: network \(network.name) id \(network.id) has active endpoints")
            }
            try RouteSocket(namespace: nil).deleteLink(network.bridgeName)
            let firewall = try Firewall(namespace: nil)
            for subnet in Self.firewallSubnets(of: network) {
                try firewall.remove(network: FirewallNetwork(bridge: network.bridgeName, subnet: subnet.subnet.description,
                                                             internal: network.internal))
            }
            try networks.remove(network.id)
        }
    }

    private func bringUp(_ network: NetworkConfig, host: RouteSocket, firewall: Firewall) throws {
        guard let subnet = network.subnets.first(where: { $0.subnet.address.family == .v4 }) else {
            throw SwrunError(.unsupported, "network \(network.name) has no IPv4 subnet")
        }
        let v6 = network.enableIPv6 ? network.subnets.filter { $0.subnet.address.family == .v6 } : []
        try host.ensureBridge(network.bridgeName, address: ["\(subnet.gateway)/\(subnet.subnet.prefixLength)"]
                              + v6.map { "\($0.gateway)/\($0.subnet.prefixLength)" }, mtu: nil)
        if !v6.isEmpty, (try? Sysctl.get("net/ipv6/conf/all/forwarding")) != "1" { try Sysctl.set("net/ipv6/conf/all/forwarding", "1") }
        // Published ports answer on 127.0.0.1 too: DNAT to the bridge needs it.
        try Sysctl.set("net/ipv4/conf/\(network.bridgeName)/route_localnet", "1")
        for subnet in Self.firewallSubnets(of: network) {
            let warning = try firewall.add(network: FirewallNetwork(bridge: network.bridgeName, subnet: subnet.subnet.description,
                                                                    internal: network.internal))
            if let warning { warn(warning) }
        }
    }

    /// The subnets the firewall knows a network by: its IPv4 one, and its IPv6 one on
    /// an IPv6 network.
    static func firewallSubnets(of network: NetworkConfig) -> [SubnetConfig] {
        network.subnets.filter { $0.subnet.family == .v4 || (network.enableIPv6 && $0.subnet.family == .v6) }
    }

    /// The firewall's ports for published ports whose container has the IPv4 address
    /// `address` and maybe the IPv6 one `ipv6`, docker's way: a port on every address
    /// answers on both families (IPv6 when the container has it), one on 0.0.0.0 or an
    /// IPv4 address on IPv4 only, one on :: or an IPv6 address on IPv6 only. IPv6 host
    /// ports reach IPv6 containers only (docker's userland proxy would take them to an
    /// IPv4 one), and none answers on ::1 (see `Firewall.definition`): `strict` throws
    /// for those, else they are left out (teardown of what was never set up).
    static func firewallPorts(_ mappings: [PortMapping], to address: String, ipv6: String?, strict: Bool) throws -> [FirewallPort] {
        var ports: [FirewallPort] = []
        for mapping in mappings {
            func port(_ hostIP: String?, _ containerIP: String) -> FirewallPort {
                FirewallPort(proto: mapping.proto, hostIP: hostIP, hostPort: mapping.hostPort, containerIP: containerIP,
                             containerPort: mapping.containerPort)
            }
            guard !mapping.hostIP.isEmpty else {
                ports.append(port(nil, address))
                if let ipv6 { ports.append(port(nil, ipv6)) }
                continue
            }
            guard let host = IPAddress(mapping.hostIP), host.family == .v6 else {
                ports.append(port(mapping.hostIP, address))
                continue
            }
            if host == IPAddress("::1") {
                guard !strict else {
                    throw SwrunError(.unsupported, "cannot publish \(mapping.hostEndpoint): the kernel does not forward IPv6 loopback traffic to containers, and swrun has no userland proxy")
                }
            } else if let ipv6 {
                ports.append(port(mapping.hostIP, ipv6))
            } else if strict {
                throw SwrunError(.unsupported, "cannot publish \(mapping.hostEndpoint): the container has no IPv6 address (IPv6 host ports reach containers on IPv6 networks only)")
            }
        }
        return ports
    }
}
