import Glibc
import SwrunOS

/// IPv4 addresses and subnets given as text, checked and written back in the one form
/// nft reads: the firewall builds nft commands from them.
enum IPv4Text {
    /// A dotted-quad address, canonical ("10.0.0.1").
    static func address(_ text: String) throws -> String {
        format(try parse(text))
    }

    /// A CIDR subnet with its host bits cleared ("10.99.0.7/24" → "10.99.0.0/24").
    static func subnet(_ text: String) throws -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = UInt8(parts[1]), length <= 32,
              let address = try? parse(String(parts[0]))
        else { throw SwrunError(.invalidArgument, "invalid subnet: \(text)") }
        let mask: UInt32 = length == 0 ? 0 : ~0 << (32 - UInt32(length))
        return "\(format(address & mask))/\(length)"
    }

    /// The address as a number, most significant byte first.
    static func parse(_ text: String) throws -> UInt32 {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else {
            throw SwrunError(.invalidArgument, "invalid IPv4 address: \(text)")
        }
        return UInt32(bigEndian: address.s_addr)
    }

    static func format(_ address: UInt32) -> String {
        (0..<4).map { String((address >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
    }
}
