import Glibc
import SwrunOS

/// swrun's rules: a table per address family, `ip swrun` and `ip6 swrun`, whose rules
/// never change once made. Networks and published ports are elements of their sets and
/// maps, so adding or removing one is an element change in one transaction, and it
/// touches no other table. `ip6 swrun` exists only while an IPv6 network does.
///
/// Interfaces are matched by name (`iifname`), never by index (`iif`): libnftables
/// resolves indexes through a routing socket it opens on the calling thread, which
/// may be in another namespace than the context's.
extension Firewall {
    /// One of swrun's tables.
    enum Table: String, CaseIterable, Sendable {
        case ipv4 = "ip swrun"
        case ipv6 = "ip6 swrun"

        /// The family and name, as nft writes them ("ip swrun").
        var name: String { rawValue }
        /// nft's family keyword ("ip", "ip6").
        var family: String { self == .ipv4 ? "ip" : "ip6" }
    }

    /// The table, its sets and maps (empty), and its chains; without `nat`, only the
    /// forward chain (a kernel without NAT for the family still isolates networks).
    ///
    /// - nat: `publish` DNATs traffic to a local address on a published port, looked up
    ///   by (address . protocol . port) first, then by (protocol . port); prerouting runs
    ///   it for traffic arriving (from outside and from containers), output for the
    ///   host's own connections. Postrouting masquerades DNATed traffic from swrun's
    ///   subnets (hairpin: a container reaching a published port, its own too, so that
    ///   the reply comes back through the host), and the traffic of non-internal subnets
    ///   leaving through anything but a swrun bridge (for IPv6 too: docker's NAT gateway
    ///   mode). IPv4 also masquerades DNATed traffic from 127.0.0.0/8 (the host's
    ///   `127.0.0.1:PORT`; the bridge needs `route_localnet=1`). IPv6 leaves ::1 alone:
    ///   the kernel drops a reply whose destination NAT turns back into ::1 on a
    ///   bridge (RFC 4291's rule for the loopback address, applied after br_netfilter's
    ///   hooks, and no sysctl lifts it), so a connection to [::1]:PORT is refused at
    ///   once rather than left hanging.
    /// - filter: forward between a bridge and itself is fine (containers of one network
    ///   through br_netfilter, hairpin); an internal network's bridge forwards nothing to
    ///   or from any other interface; between two swrun bridges only DNATed traffic (a
    ///   published port, reachable from every network as through the host's address)
    ///   passes. The policy stays accept: the host's other traffic is not swrun's.
    static func definition(_ table: Table, nat: Bool = true) -> String {
        let ip = table.family
        let address = table == .ipv4 ? "ipv4_addr" : "ipv6_addr"
        let loopback = table == .ipv4 ? "ct status dnat ip saddr 127.0.0.0/8 masquerade\n" : ""
        let notLoopback = table == .ipv6 ? "ip6 daddr != ::1 " : ""
        let natChains = """
            chain prerouting {
                type nat hook prerouting priority dstnat; policy accept;
                fib daddr type local jump publish
            }
            chain output {
                type nat hook output priority -100; policy accept;
                fib daddr type local \(notLoopback)jump publish
            }
            chain publish {
                meta l4proto { tcp, udp } dnat \(ip) to \(ip) daddr . meta l4proto . th dport map @published_addr_ports
                meta l4proto { tcp, udp } dnat \(ip) to meta l4proto . th dport map @published_ports
            }
            chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                \(loopback)ct status dnat \(ip) saddr @subnets masquerade
                \(ip) saddr @nat_subnets oifname != @bridges masquerade
            }

            """
        return """
            table \(table.name) {
                set bridges { type ifname; }
                set same_bridge { type ifname . ifname; }
                set internal_bridges { type ifname; }
                set subnets { type \(address); flags interval; }
                set nat_subnets { type \(address); flags interval; }
                map published_ports { type inet_proto . inet_service : \(address) . inet_service; }
                map published_addr_ports { type \(address) . inet_proto . inet_service : \(address) . inet_service; }
            \(nat ? natChains : "")\
                chain forward {
                    type filter hook forward priority filter; policy accept;
                    iifname . oifname @same_bridge accept
                    iifname @internal_bridges drop
                    oifname @internal_bridges drop
                    iifname @bridges oifname @bridges ct status dnat accept
                    iifname @bridges oifname @bridges drop
                }
            }

            """
    }

    /// The warning for a kernel that refuses IPv6 NAT (no nf_nat, or no IPv6 in it).
    static let noIPv6NATWarning =
        "WARNING: this kernel has no IPv6 NAT: published ports answer on IPv4 only, and IPv6 from containers leaves unmasqueraded"

    /// One element of one of the tables' sets or maps, in nft's words.
    struct Element: Hashable {
        var table: Table = .ipv4
        var set: String
        var value: String
    }

    /// The table a network's subnet belongs in.
    static func table(of network: FirewallNetwork) throws -> Table {
        network.subnet.contains(":") ? .ipv6 : .ipv4
    }

    /// The elements a network adds, to the table of its subnet's family.
    static func elements(of network: FirewallNetwork) throws -> [Element] {
        let bridge = try quotedInterface(network.bridge)
        let (table, subnet) = try FirewallAddress.subnet(network.subnet)
        return [
            Element(table: table, set: "bridges", value: bridge),
            Element(table: table, set: "same_bridge", value: "\(bridge) . \(bridge)"),
            Element(table: table, set: "subnets", value: subnet),
            network.internal
                ? Element(table: table, set: "internal_bridges", value: bridge)
                : Element(table: table, set: "nat_subnets", value: subnet),
        ]
    }

    /// The elements a network's removal deletes: those it added, and those it would
    /// have added with the other `internal`, so a wrong flag leaves nothing behind.
    static func removalElements(of network: FirewallNetwork) throws -> [Element] {
        var other = network
        other.internal.toggle()
        let elements = try elements(of: network)
        return elements + (try Self.elements(of: other)).filter { !elements.contains($0) }
    }

    /// The map element a published port adds, to the table of the container address's
    /// family; the host address (when given) must be of the same family.
    static func element(of port: FirewallPort) throws -> Element {
        guard port.proto == "tcp" || port.proto == "udp" else {
            throw SwrunError(.invalidArgument, "invalid proto: \(port.proto)")
        }
        guard port.hostPort != 0, port.containerPort != 0 else {
            throw SwrunError(.invalidArgument, "invalid port: 0")
        }
        let (table, container) = try FirewallAddress.address(port.containerIP)
        let target = "\(container) . \(port.containerPort)"
        guard let hostText = port.hostIP else {
            return Element(table: table, set: "published_ports", value: "\(port.proto) . \(port.hostPort) : \(target)")
        }
        let (hostTable, hostIP) = try FirewallAddress.address(hostText)
        guard hostTable == table else {
            throw SwrunError(.invalidArgument, "cannot publish \(hostText) to \(port.containerIP): the addresses' families differ")
        }
        guard hostIP != "0.0.0.0", hostIP != "::" else {
            return Element(table: table, set: "published_ports", value: "\(port.proto) . \(port.hostPort) : \(target)")
        }
        return Element(table: table, set: "published_addr_ports", value: "\(hostIP) . \(port.proto) . \(port.hostPort) : \(target)")
    }

    /// `add element` commands for `elements`, one per table and set, in the order first named.
    static func addCommands(_ elements: [Element]) -> String {
        commands("add", elements)
    }

    /// Commands that delete `elements`, present or not: each is added first (a no-op
    /// when present), so the deletion cannot fail on an absent one. nft 1.0.6 has no
    /// `destroy element`. A map key bound to other data fails the add, and so the call.
    static func removeCommands(_ elements: [Element]) -> String {
        commands("add", elements) + commands("delete", elements)
    }

    private static func commands(_ verb: String, _ elements: [Element]) -> String {
        var groups: [(table: Table, set: String, values: [String])] = []
        for element in elements {
            if let index = groups.firstIndex(where: { $0.table == element.table && $0.set == element.set }) {
                groups[index].values.append(element.value)
            } else {
                groups.append((element.table, element.set, [element.value]))
            }
        }
        return groups.map { "\(verb) element \($0.table.name) \($0.set) { \($0.values.joined(separator: ", ")) }\n" }.joined()
    }

    /// An interface name as an nft string: the kernel's limit (15 bytes), and only
    /// characters that need no escaping in nft's language.
    static func quotedInterface(_ name: String) throws -> String {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard allowed, (1...15).contains(name.utf8.count), name != ".", name != ".." else {
            throw SwrunError(.invalidArgument, "invalid bridge name: \(name)")
        }
        return "\"\(name)\""
    }
}
