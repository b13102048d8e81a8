import FoundationEssentials
import Glibc
import SwrunNetwork
import SwrunOS

/// How a container is networked, from `--network`.
enum NetworkPlan: Equatable {
    /// A namespace of its own with only loopback.
    case none
    /// The host's namespace.
    case host
    /// A veth on a bridge network (`bridge` or a user network), set up by swrun-net.
    case bridge(network: String)
    /// Another container's namespace.
    case container(String)

    init(_ mode: String) {
        switch mode {
        case "none": self = .none
        case "host": self = .host
        case "", "default": self = .bridge(network: NetworkStore.defaultNetworkName)
        default:
            if mode.hasPrefix("container:") { self = .container(String(mode.dropFirst("container:".count))) }
            else { self = .bridge(network: mode) }
        }
    }
}

extension ContainerRuntime {
    /// swrun-net, beside swrun-init (`SWRUN_NET` overrides).
    static let networkBinaryPath: String = {
        if let override = HostSystem.environment("SWRUN_NET") { return override }
        return FileIO.parentPath(MonitorClient.binaryPath) + "/swrun-net"
    }()

    /// The request for a bridge network, checked before anything is created: the
    /// network exists, the ports and addresses parse.
    func networkRequest(id: String, name: String, hostname: String, network: String, options: ContainerOptions,
                        image: ImageSnapshot) throws -> NetworkRequest {
        let config = try NetworkStore(root: root).lookup(network)
        if config.name == NetworkStore.defaultNetworkName {
            if !options.networkAliases.isEmpty {
                throw SwrunError(.invalidArgument, "network-scoped alias is supported only for containers in user defined networks")
            }
            if options.ip != nil || options.ip6 != nil {
                throw SwrunError(.invalidArgument, "user specified IP address is supported on user defined networks only")
            }
        }
        if let ip = options.ip, IPv4Address(ip) == nil {
            throw SwrunError(.invalidArgument, "invalid IPv4 address: \(ip)")
        }
        var ports = try options.publish.flatMap(PortSpec.parse)
        if options.publishAll {
            for key in image.exposedPorts {
                let (port, proto) = try PortSpec.parseExposed(key)
                if !ports.contains(where: { $0.containerPort == port && $0.proto == proto }) {
                    ports.append(PortMapping(hostIP: "", hostPort: 0, containerPort: port, proto: proto))
                }
            }
        }
        let endpoint = EndpointRequest(network: config.name, ipv4: options.ip, ipv6: options.ip6, aliases: options.networkAliases,
                                       mac: options.macAddress)
        return NetworkRequest(containerID: id, containerName: name, hostname: hostname, endpoints: [endpoint], ports: ports)
    }

    /// Runs swrun-net to set the request up; the request stays in the container's
    /// directory for `start`.
    func attachNetwork(_ request: NetworkRequest) throws -> NetworkAttachment {
        let path = try storeNetworkRequest(request)
        try runNetworkHelper(["attach", path])
        guard let attachment = try NetworkPaths(root: root).readAttachment(of: request.containerID) else {
            throw SwrunError(.internalError, "swrun-net left no attachment record for \(request.containerID)")
        }
        return attachment
    }

    /// Keeps the request in the container's directory (`network.json`) for swrun-net
    /// and `start`; returns its path.
    @discardableResult
    func storeNetworkRequest(_ request: NetworkRequest) throws -> String {
        let path = containers.path(of: request.containerID) + "/network.json"
        try FileIO.writeFile(path, bytes: Array(try JSONEncoder().encode(request)), mode: 0o600)
        return path
    }

    /// Sets up again what `run` asked for (`start` of a stopped container); nil for a
    /// container without a bridge network.
    func reattachNetwork(of id: String) throws -> NetworkAttachment? {
        guard let request = try storedNetworkRequest(of: id) else { return nil }
        return try attachNetwork(request)
    }

    /// What `run` asked of a bridge network, nil for other containers.
    func storedNetworkRequest(of id: String) throws -> NetworkRequest? {
        let path = containers.path(of: id) + "/network.json"
        guard FileIO.exists(path) else { return nil }
        return try JSONDecoder().decode(NetworkRequest.self, from: Data(try FileIO.readFile(path)))
    }

    /// What swrun-net set up for the container (nil: no bridge network, or not running).
    public func networkAttachment(of id: String) throws -> NetworkAttachment? {
        try NetworkPaths(root: root).readAttachment(of: id)
    }

    /// Releases the container's addresses, ports, links and rules, if it has any.
    public func detachNetwork(of id: String) throws {
        guard FileIO.exists(NetworkPaths(root: root).attachment(of: id)) else { return }
        try runNetworkHelper(["detach", id])
    }

    /// `network create`: the store's record is made; this makes its bridge and firewall
    /// elements, or removes the record again and fails.
    public func bringUpNetwork(_ config: NetworkConfig) throws {
        do {
            try runNetworkHelper(["network-up", config.id])
        } catch {
            try? NetworkStore(root: root).remove(config.id)
            throw error
        }
    }

    /// `network rm`: the bridge, its firewall elements and the record, unless a container
    /// uses the network.
    public func removeNetwork(_ nameOrID: String) throws {
        try runNetworkHelper(["network-rm", nameOrID])
    }

    /// `network connect`: the container joins one more network, now if it runs, and
    /// whenever it starts from now on.
    public func connect(_ state: ContainerState, endpoint: EndpointRequest) throws {
        guard var request = try storedNetworkRequest(of: state.id) else {
            throw SwrunError(.conflict, "container \(state.name) is not on a bridge network: it cannot be connected to another one")
        }
        let network = try NetworkStore(root: root).lookup(endpoint.network)
        if network.isPredefined, network.name != NetworkStore.defaultNetworkName {
            throw SwrunError(.invalidArgument, "container cannot be disconnected from host network or connected to host network")
        }
        var endpoint = endpoint
        endpoint.network = network.name
        if request.endpoints.contains(where: { $0.network == network.name }) {
            throw SwrunError(.alreadyExists, "endpoint with name \(state.name) already exists in network \(network.name)")
        }
        if state.isRunning, (try networkAttachment(of: state.id)) != nil {
            let path = containers.path(of: state.id) + "/network-connect.json"
            var one = request
            one.endpoints = [endpoint]
            try FileIO.writeFile(path, bytes: Array(try JSONEncoder().encode(one)), mode: 0o600)
            defer { unlink(path) }
            try runNetworkHelper(["connect", path])
        }
        request.endpoints.append(endpoint)
        try FileIO.writeFile(containers.path(of: state.id) + "/network.json", bytes: Array(try JSONEncoder().encode(request)), mode: 0o600)
    }

    /// `network disconnect`: the container leaves a network, now and on later starts.
    public func disconnect(_ state: ContainerState, from nameOrID: String) throws {
        let network = try NetworkStore(root: root).lookup(nameOrID)
        guard var request = try storedNetworkRequest(of: state.id),
              request.endpoints.contains(where: { $0.network == network.name }) else {
            throw SwrunError(.notFound, "container \(state.shortID) is not connected to network \(network.name)")
        }
        if state.isRunning, (try networkAttachment(of: state.id)) != nil {
            try runNetworkHelper(["disconnect", state.id + ":" + network.id])
        }
        request.endpoints.removeAll { $0.network == network.name }
        try FileIO.writeFile(containers.path(of: state.id) + "/network.json", bytes: Array(try JSONEncoder().encode(request)), mode: 0o600)
    }

    /// The command the monitor runs when the container ends.
    func networkExitCommand(for id: String) -> [String] {
        [Self.networkBinaryPath, "--root", root, "detach", id]
    }

    /// The namespace of another container, for `--network container:NAME`.
    func networkNamespace(ofContainer reference: String) throws -> String {
        let other = try containers.lookup(reference)
        guard other.isRunning else {
            throw SwrunError(.conflict, "cannot join network namespace of a non running container: container \(other.shortID) is not running")
        }
        if let attachment = try NetworkPaths(root: root).readAttachment(of: other.id) { return attachment.namespacePath }
        return "/proc/\(other.pid)/ns/net"
    }

    /// Runs swrun-net; the warnings it prints ("WARNING: …") go on to our stderr.
    private func runNetworkHelper(_ arguments: [String]) throws {
        do {
            let output = try FileIO.runChecked(Self.networkBinaryPath, ["--root", root] + arguments)
            for line in output.split(separator: "\n") where line.hasPrefix("WARNING: ") {
                try? FileIO.writeAll(2, Array((line + "\n").utf8))
            }
        } catch let error as SwrunError {
            let text = error.message.hasPrefix("swrun-net: ") ? String(error.message.dropFirst("swrun-net: ".count)) : error.message
            throw SwrunError(.system, text)
        }
    }
}
