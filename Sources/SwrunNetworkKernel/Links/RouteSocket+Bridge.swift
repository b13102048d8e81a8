import CNetlink
import Glibc
import SwrunOS

extension RouteSocket {
    /// Creates the bridge if missing, adds `address` (CIDR, e.g. "172.17.0.1/16", v4 or v6)
    /// if it is not there, sets it up. Idempotent, and safe against another process
    /// ensuring the same bridge at the same time.
    ///
    /// A new bridge gets a random MAC address of its own: the kernel would otherwise give
    /// it the lowest of its ports' addresses, which changes as containers come and go and
    /// leaves stale gateway entries in their ARP caches. `mtu` is kept when ports join
    /// (the kernel does not lower an MTU that was set), and reapplied to an existing bridge.
    public func ensureBridge(_ name: String, address: [String], mtu: Int?) throws {
        let step = "create bridge \(name)"
        let addresses = try address.map { try LinkAddress(cidr: $0) }
        if let mtu, mtu < 68 || mtu > 65535 {
            throw SwrunError(.invalidArgument, "\(step): invalid MTU \(mtu)")
        }
        var existing = try link(named: name, step: step)
        if existing == nil {
            do {
                try createBridge(name, mtu: mtu, step: step)
            } catch let error as SwrunError where error.errno == EEXIST {
                // Made by another process meanwhile: the checks below cover it.
            }
            existing = try link(named: name, step: step)
        }
        guard let bridge = existing else {
            throw SwrunError(.notFound, "\(step): the bridge vanished while being set up")
        }
        defer { rtnl_link_put(bridge) }
        guard let kind = rtnl_link_get_type(bridge), String(cString: kind) == "bridge" else {
            throw SwrunError(.conflict, "\(step): a link of another type has this name")
        }
        let index = rtnl_link_get_ifindex(bridge)
        for address in addresses {
            do {
                try add(address, toIndex: index, step: "add address \(address.cidr) to \(name)")
            } catch let error as SwrunError where error.errno == EEXIST {
                continue
            }
        }
        let isUp = rtnl_link_get_flags(bridge) & UInt32(IFF_UP) != 0
        let mtuToSet = mtu.flatMap { $0 == Int(rtnl_link_get_mtu(bridge)) ? nil : UInt32($0) }
        if !isUp || mtuToSet != nil {
            try changeLink(name, step: "set \(name) up") { change in
                if let mtuToSet { rtnl_link_set_mtu(change, mtuToSet) }
                rtnl_link_set_flags(change, UInt32(IFF_UP))
            }
        }
    }

    private func createBridge(_ name: String, mtu: Int?, step: String) throws {
        let bridge = try allocate(rtnl_link_bridge_alloc(), step)
        defer { rtnl_link_put(bridge) }
        rtnl_link_set_name(bridge, name)
        if let mtu { rtnl_link_set_mtu(bridge, UInt32(mtu)) }
        let mac = try Self.randomMAC(step: step)
        defer { nl_addr_put(mac) }
        rtnl_link_set_addr(bridge, mac)
        rtnl_link_set_flags(bridge, UInt32(IFF_UP))
        try request(step) { rtnl_link_add(socket, bridge, NLM_F_CREATE | NLM_F_EXCL) }
    }

    /// A random unicast, locally administered MAC address (a libnl address the caller puts).
    static func randomMAC(step: @autoclosure () -> String) throws -> OpaquePointer {
        var bytes = (0..<6).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = bytes[0] & 0xfe | 0x02
        return try macAddress(bytes, step: step())
    }

    /// A libnl hardware address (the caller puts).
    static func macAddress(_ bytes: [UInt8], step: @autoclosure () -> String) throws -> OpaquePointer {
        guard let address = bytes.withUnsafeBytes({ nl_addr_build(AF_LLC, $0.baseAddress, $0.count) }) else {
            throw SwrunError(.system, "\(step()): out of memory")
        }
        return address
    }
}
