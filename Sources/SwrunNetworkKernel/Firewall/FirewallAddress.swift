import Glibc
import SwrunOS

/// Addresses and subnets of either family given as text, checked and written back in
/// the one form nft reads, with the table of their family.
enum FirewallAddress {
    /// An address, canonical ("10.0.0.1", "fd00::2"), and its family's table.
    static func address(_ text: String) throws -> (Firewall.Table, String) {
        guard text.contains(":") else { return (.ipv4, try IPv4Text.address(text)) }
        return (.ipv6, IPv6Text.format(try IPv6Text.parse(text)))
    }

    /// A CIDR subnet with its host bits cleared ("fd00:1::7/64" → "fd00:1::/64"), and
    /// its family's table.
    static func subnet(_ text: String) throws -> (Firewall.Table, String) {
        guard text.contains(":") else { return (.ipv4, try IPv4Text.subnet(text)) }
        return (.ipv6, try IPv6Text.subnet(text))
    }
}

/// IPv6 addresses and subnets as text, as `IPv4Text` does for IPv4.
enum IPv6Text {
    /// "fd00::7/64" → "fd00::/64".
    static func subnet(_ text: String) throws -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = UInt8(parts[1]), length <= 128,
              var bytes = try? parse(String(parts[0]))
        else { throw SwrunError(.invalidArgument, "invalid subnet: \(text)") }
        for index in 0..<16 {
            let kept = max(0, min(8, Int(length) - index * 8))
            bytes[index] &= kept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - kept))
        }
        return "\(format(bytes))/\(length)"
    }

    /// The address's sixteen bytes.
    static func parse(_ text: String) throws -> [UInt8] {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else {
            throw SwrunError(.invalidArgument, "invalid IPv6 address: \(text)")
        }
        return withUnsafeBytes(of: address) { Array($0) }
    }

    static func format(_ bytes: [UInt8]) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { raw in
            for (index, byte) in bytes.prefix(16).enumerated() { raw[index] = byte }
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
