import CNetlink
import Glibc
import SwrunOS

extension RouteSocket {
    /// Adds `cidr` ("172.17.0.2/16", "fd00::2/64") to `link`. An IPv4 address gets its
    /// subnet's broadcast address; an IPv6 one skips duplicate address detection, so it
    /// is usable at once. An address the link has already is an error ("File exists").
    public func addAddress(_ cidr: String, to link: String) throws {
        let step = "add address \(cidr) to \(link)"
        let address = try LinkAddress(cidr: cidr)
        try add(address, toIndex: try index(ofLink: link, step: step), step: step)
    }

    /// The addresses of `link` as CIDR strings in the kernel's order
    /// (IPv6 link-local ones included).
    public func addresses(of link: String) throws -> [String] {
        let step = "list the addresses of \(link)"
        let index = try index(ofLink: link, step: step)
        var cache: OpaquePointer?
        try request(step) { rtnl_addr_alloc_cache(socket, &cache) }
        defer { nl_cache_free(cache) }
        var addresses: [String] = []
        var object = nl_cache_get_first(cache)
        while let address = object {
            if rtnl_addr_get_ifindex(address) == index, let local = rtnl_addr_get_local(address) {
                addresses.append(LinkAddress(local).cidr)
            }
            object = nl_cache_get_next(address)
        }
        return addresses
    }

    func add(_ address: LinkAddress, toIndex index: Int32, step: String) throws {
        let object = try allocate(rtnl_addr_alloc(), step)
        defer { rtnl_addr_put(object) }
        let local = try address.nlAddress(step: step)
        defer { nl_addr_put(local) }
        rtnl_addr_set_ifindex(object, index)
        rtnl_addr_set_family(object, address.family)
        try request(step) { rtnl_addr_set_local(object, local) }
        if let broadcast = address.broadcast {
            let nlBroadcast = try broadcast.nlAddress(step: step)
            defer { nl_addr_put(nlBroadcast) }
            try request(step) { rtnl_addr_set_broadcast(object, nlBroadcast) }
        }
        if address.family == AF_INET6 { rtnl_addr_set_flags(object, UInt32(IFA_F_NODAD)) }
        try request(step) { rtnl_addr_add(socket, object, NLM_F_EXCL) }
    }
}

/// An IPv4 or IPv6 address with a prefix length, as the kernel takes it.
struct LinkAddress {
    let family: Int32
    let bytes: [UInt8]
    let prefixLength: Int

    /// "10.1.0.2/24" or "fd00::2/64".
    init(cidr: String) throws {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let (family, bytes) = Self.parse(String(parts[0])),
              let prefix = Int(parts[1]), prefix >= 0, prefix <= bytes.count * 8
        else { throw SwrunError(.invalidArgument, "invalid CIDR address: \(cidr)") }
        self.init(family: family, bytes: bytes, prefixLength: prefix)
    }

    /// A host address without a prefix ("10.1.0.1", "fd00::1"): the full length.
    init(host: String) throws {
        guard let (family, bytes) = Self.parse(host) else {
            throw SwrunError(.invalidArgument, "invalid IP address: \(host)")
        }
        self.init(family: family, bytes: bytes, prefixLength: bytes.count * 8)
    }

    init(family: Int32, bytes: [UInt8], prefixLength: Int) {
        self.family = family
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    /// A libnl address's value.
    init(_ address: OpaquePointer) {
        family = nl_addr_get_family(address)
        bytes = Array(UnsafeRawBufferPointer(start: nl_addr_get_binary_addr(address), count: Int(nl_addr_get_len(address))))
        prefixLength = Int(nl_addr_get_prefixlen(address))
    }

    private static func parse(_ text: String) -> (Int32, [UInt8])? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return (AF_INET, withUnsafeBytes(of: v4) { Array($0) }) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return (AF_INET6, withUnsafeBytes(of: v6) { Array($0) }) }
        return nil
    }

    /// The address in its canonical text form, without the prefix length.
    var text: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return bytes.withUnsafeBytes { raw in
            guard inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    var cidr: String { "\(text)/\(prefixLength)" }

    /// The subnet's broadcast address for IPv4 subnets that have one (/30 and wider).
    var broadcast: LinkAddress? {
        guard family == AF_INET, prefixLength <= 30 else { return nil }
        var value = bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        value |= UInt32.max >> UInt32(prefixLength)
        return LinkAddress(family: AF_INET, bytes: (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }, prefixLength: 32)
    }

    /// A libnl address the caller puts.
    func nlAddress(step: @autoclosure () -> String) throws -> OpaquePointer {
        guard let address = bytes.withUnsafeBytes({ nl_addr_build(family, $0.baseAddress, $0.count) }) else {
            throw SwrunError(.system, "\(step()): out of memory")
        }
        nl_addr_set_prefixlen(address, Int32(prefixLength))
        return address
    }
}
