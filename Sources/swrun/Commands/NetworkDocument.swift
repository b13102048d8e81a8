import GoTemplate
import SwrunNetwork
import SwrunRuntime

/// One container on a network, as `network inspect` shows it under Containers.
struct NetworkEndpoint {
    var containerID: String
    var name: String
    var ipv4: IPAddress?
    var ipv6: IPAddress?
    var macAddress: String = ""

    /// The containers holding addresses on `network`, named from the container store
    /// (a container no longer there keeps an empty name).
    static func all(on network: NetworkConfig, store: NetworkStore, root: String) throws -> [NetworkEndpoint] {
        let allocations = try store.allocations(in: network)
        let containers = try? ContainerStore(root: root)
        var endpoints: [String: NetworkEndpoint] = [:]
        for (address, id) in allocations {
            var endpoint = endpoints[id] ?? NetworkEndpoint(
                containerID: id, name: (try? containers?.load(id).name) ?? "", ipv4: nil, ipv6: nil)
            if address.family == .v4 { endpoint.ipv4 = address } else { endpoint.ipv6 = address }
            endpoints[id] = endpoint
        }
        return endpoints.values.sorted { $0.containerID < $1.containerID }
    }
}

/// docker's network inspect document, in docker's field order.
enum NetworkDocument {
    static func build(_ network: NetworkConfig, endpoints: [NetworkEndpoint]) -> TemplateValue {
        let isBridge = network.driver == "bridge"
        let config: [TemplateValue] = network.subnets.map { subnet in
            var fields: TemplateFields = ["Subnet": .string(subnet.subnet.description)]
            if let range = subnet.ipRange { fields["IPRange"] = .string(range.description) }
            fields["Gateway"] = .string(subnet.gateway.description)
            return .object(fields)
        }
        func withLength(_ address: IPAddress?) -> String {
            guard let address, let subnet = network.subnets.first(where: { $0.subnet.contains(address) }) else { return "" }
            return "\(address)/\(subnet.subnet.prefixLength)"
        }
        let containers = Dictionary(endpoints.map { endpoint in
            (endpoint.containerID, TemplateValue.object([
                "Name": .string(endpoint.name),
                "EndpointID": .string(""),
                "MacAddress": .string(endpoint.macAddress),
                "IPv4Address": .string(withLength(endpoint.ipv4)),
                "IPv6Address": .string(withLength(endpoint.ipv6)),
            ]))
        }, uniquingKeysWith: { first, _ in first })
        return .object([
            "Name": .string(network.name),
            "Id": .string(network.id),
            "Created": .string(ContainerDocument.goTime(network.created)),
            "Scope": .string("local"),
            "Driver": .string(network.driver),
            "EnableIPv4": .bool(isBridge),
            "EnableIPv6": .bool(network.enableIPv6),
            "IPAM": .object([
                "Driver": .string("default"),
                "Options": .goMap(network.isPredefined ? nil : [:]),
                "Config": .array(config),
            ]),
            "Internal": .bool(network.internal),
            "Attachable": .bool(false),
            "Ingress": .bool(false),
            "ConfigFrom": .object(["Network": .string("")]),
            "ConfigOnly": .bool(false),
            "Containers": .goMap(containers),
            "Options": .goMap(network.options.mapValues(TemplateValue.string)),
            "Labels": .goMap(network.labels.mapValues(TemplateValue.string)),
        ])
    }
}
