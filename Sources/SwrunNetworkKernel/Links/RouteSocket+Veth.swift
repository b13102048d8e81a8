import CNetlink
import Glibc
import SwrunOS

extension RouteSocket {
    /// A veth pair: the host end `hostName` enslaved to `bridge`, hairpin mode on (a container
    /// can reach its own published port), up; the peer created directly in the namespace
    /// pinned at `peerNamespace` with the name `peerName` (e.g. "eth0"), MAC `mac` if given,
    /// left down. Both ends take the bridge's MTU.
    ///
    /// Two requests: the pair is made with its master, MTU and flags in one, and hairpin
    /// mode, a setting of bridge ports, is set once the host end is one. When that fails
    /// the pair is deleted again.
    public func createVeth(hostName: String, peerName: String, peerNamespace: String, bridge: String, mac: String?) throws {
        let step = "create veth \(hostName)"
        let peerMAC = try mac.map { try Self.parseMAC($0) }
        guard let bridgeLink = try link(named: bridge, step: step) else {
            throw SwrunError(.notFound, "\(step): bridge \(bridge): \(String(cString: strerror(ENODEV)))", errno: ENODEV)
        }
        let bridgeIndex = rtnl_link_get_ifindex(bridgeLink)
        let mtu = rtnl_link_get_mtu(bridgeLink)
        rtnl_link_put(bridgeLink)

        let namespace = open(peerNamespace, O_RDONLY | O_CLOEXEC)
        guard namespace >= 0 else { throw SwrunError.system("\(step): open network namespace \(peerNamespace)") }
        defer { close(namespace) }

        let veth = try allocate(rtnl_link_veth_alloc(), step)
        defer { rtnl_link_put(veth) }
        rtnl_link_set_name(veth, hostName)
        rtnl_link_set_master(veth, bridgeIndex)
        rtnl_link_set_mtu(veth, mtu)
        rtnl_link_set_flags(veth, UInt32(IFF_UP))
        let peer = try allocate(rtnl_link_veth_get_peer(veth), step)
        defer { rtnl_link_put(peer) }
        rtnl_link_set_name(peer, peerName)
        rtnl_link_set_ns_fd(peer, namespace)
        rtnl_link_set_mtu(peer, mtu)
        if let peerMAC {
            let address = try Self.macAddress(peerMAC, step: step)
            defer { nl_addr_put(address) }
            rtnl_link_set_addr(peer, address)
        }
        try request(step) { rtnl_link_add(socket, veth, NLM_F_CREATE | NLM_F_EXCL) }

        do {
            try setHairpin(on: hostName)
        } catch {
            // The pair is useless without it; the hairpin failure is the one to report.
            try? deleteLink(hostName)
            throw error
        }
    }

    /// Turns hairpin mode on for the bridge port `port` (`ip link set PORT type
    /// bridge_slave hairpin on`): the port's bridge settings, changed through the link
    /// found by name. libnl's bridge objects would need the port's index (another round
    /// trip), so the request is built here.
    private func setHairpin(on port: String) throws {
        let step = "set hairpin mode on \(port)"
        let message = try allocate(nlmsg_alloc_simple(Int32(RTM_NEWLINK), 0), step)
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        var built = nlmsg_append(message, &header, MemoryLayout<ifinfomsg>.size, Int32(NLMSG_ALIGNTO)) == 0
            && nla_put_string(message, Int32(IFLA_IFNAME), port) == 0
        if built, let info = nla_nest_start(message, Int32(IFLA_LINKINFO)) {
            built = nla_put_string(message, Int32(IFLA_INFO_SLAVE_KIND), "bridge") == 0
            if built, let data = nla_nest_start(message, Int32(IFLA_INFO_SLAVE_DATA)) {
                built = nla_put_u8(message, Int32(IFLA_BRPORT_MODE), 1) == 0
                nla_nest_end(message, data)
            } else {
                built = false
            }
            nla_nest_end(message, info)
        } else {
            built = false
        }
        guard built else {
            nlmsg_free(message)
            throw SwrunError(.internalError, "\(step): the request does not fit in a netlink message")
        }
        // Sends, frees the message and waits for the kernel's answer.
        try request(step) { nl_send_sync(socket, message) }
    }

    /// The six bytes of "02:42:ac:11:00:02" (either case, colons required).
    static func parseMAC(_ text: String) throws -> [UInt8] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        guard parts.count == 6, bytes.count == 6 else {
            throw SwrunError(.invalidArgument, "invalid MAC address: \(text)")
        }
        guard bytes[0] & 1 == 0 else {
            throw SwrunError(.invalidArgument, "invalid MAC address: \(text) (a multicast address)")
        }
        return bytes
    }
}
