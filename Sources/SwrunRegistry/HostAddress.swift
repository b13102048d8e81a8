#if canImport(Glibc)
import Glibc
#endif

/// Host names and IP addresses as they appear in references: `name:port`, `[v6]:port`.
enum HostAddress {
    /// The host without its port and without IPv6 brackets.
    static func stripPort(_ host: String) -> String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<close])
        }
        // More than one colon and no brackets: a bare IPv6 address, no port.
        if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            return String(host[..<colon])
        }
        return host
    }

    /// `localhost`, `127.0.0.0/8` or `::1`, with or without a port: plain HTTP is the
    /// default there because nothing leaves the machine.
    static func isLoopback(_ host: String) -> Bool {
        let name = stripPort(host).lowercased()
        if name == "localhost" { return true }
        if let v4 = ipv4(name) { return v4[0] == 127 }
        if let v6 = ipv6(name) { return v6 == [UInt8](repeating: 0, count: 15) + [1] }
        return false
    }

    /// The four bytes of a dotted-quad IPv4 address.
    static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The sixteen bytes of an IPv6 address.
    static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The bytes of an IPv4 or IPv6 address literal.
    static func ipBytes(_ text: String) -> [UInt8]? {
        ipv4(text) ?? ipv6(text)
    }
}

/// An address block such as `10.0.0.0/8` or `fd00::/8`.
///
/// Matching is against registries named by an IP literal only; a registry named by a
/// host name is not resolved, so a listing by CIDR does not silently depend on DNS.
struct CIDRBlock: Hashable, Sendable {
    let network: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let network = HostAddress.ipBytes(String(parts[0])),
              let length = Int(parts[1]), length >= 0, length <= network.count * 8 else { return nil }
        self.network = network
        self.prefixLength = length
    }

    /// Whether the address literal `host` (no port) lies in the block.
    func contains(_ host: String) -> Bool {
        guard let address = HostAddress.ipBytes(host), address.count == network.count else { return false }
        var remaining = prefixLength
        for index in 0..<address.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if address[index] & mask != network[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
