import SwrunOS

/// The host's IPv4 routes as `/proc/net/route` lists them (a read, no netlink): the
/// blocks an automatically picked subnet must not overlap.
enum HostRoutes {
    /// Every route but default routes, in the namespace this process runs in.
    static func ipv4(table: String = "/proc/net/route") -> [IPNetwork] {
        guard let text = try? FileIO.readString(table) else { return [] }
        return parse(text)
    }

    /// The routes of a `/proc/net/route` listing. Its destination and mask columns are
    /// the kernel's network-order words printed as host-order hex ("0000A8C0" is
    /// 192.168.0.0 on a little-endian machine).
    static func parse(_ text: String) -> [IPNetwork] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 8, let destination = UInt32(fields[1], radix: 16),
                  let mask = UInt32(fields[7], radix: 16) else { return nil }
            let maskBits = UInt32(bigEndian: mask)
            let length = maskBits.leadingZeroBitCount == 0 ? maskBits.nonzeroBitCount : 0
            guard length > 0 else { return nil }
            return IPNetwork(address: .v4(IPv4Address(UInt32(bigEndian: destination))), prefixLength: length)?.masked
        }
    }
}
