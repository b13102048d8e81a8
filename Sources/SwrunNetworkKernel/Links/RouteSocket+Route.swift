import CNetlink
import Glibc
import SwrunOS

extension RouteSocket {
    /// Default route (v4 or v6 by the gateway's form) via `gateway`. The kernel picks the
    /// link from the gateway's subnet, so an address in it must be on a link that is up.
    public func addDefaultRoute(via gateway: String) throws {
        let step = "add default route via \(gateway)"
        let address = try LinkAddress(host: gateway)
        let route = try allocate(rtnl_route_alloc(), step)
        defer { rtnl_route_put(route) }
        guard let anywhere = nl_addr_build(address.family, nil, 0) else {
            throw SwrunError(.system, "\(step): out of memory")
        }
        defer { nl_addr_put(anywhere) }
        let nlGateway = try address.nlAddress(step: step)
        defer { nl_addr_put(nlGateway) }

        try request(step) { rtnl_route_set_family(route, UInt8(address.family)) }
        try request(step) { rtnl_route_set_dst(route, anywhere) }
        rtnl_route_set_table(route, UInt32(RT_TABLE_MAIN.rawValue))
        rtnl_route_set_protocol(route, UInt8(RTPROT_BOOT))
        rtnl_route_set_scope(route, UInt8(RT_SCOPE_UNIVERSE.rawValue))
        try request(step) { rtnl_route_set_type(route, UInt8(RTN_UNICAST)) }
        // The route owns the next hop from here on.
        let nextHop = try allocate(rtnl_route_nh_alloc(), step)
        rtnl_route_nh_set_gateway(nextHop, nlGateway)
        rtnl_route_add_nexthop(route, nextHop)
        try request(step) { rtnl_route_add(socket, route, NLM_F_EXCL) }
    }
}
