import Glibc
import SwrunOS

/// The UDP sockets a process holds, from its namespace's `/proc/PID/net/udp` and `udp6`
/// and its fds: how swrun sees that aardvark-dns listens (it says nothing when it is
/// ready). Each socket has its own inode number, so a socket bound again after a reload
/// is told from the one before.
struct UDPSocketTable {
    struct Socket: Hashable {
        /// 4 or 16 bytes, network order.
        var address: [UInt8]
        var port: UInt16
        var inode: UInt64
    }

    var sockets: [Socket]

    /// The sockets `pid` holds; none when the process is gone.
    init(pid: Int32) {
        sockets = []
        let held = Self.socketInodes(of: pid)
        guard !held.isEmpty else { return }
        for file in ["udp", "udp6"] {
            guard let text = try? FileIO.readString("/proc/\(pid)/net/\(file)") else { continue }
            sockets += text.split(separator: "\n").dropFirst().compactMap(Self.parse).filter { held.contains($0.inode) }
        }
    }

    /// The inodes of the sockets among `pid`'s fds (links "socket:[INODE]").
    private static func socketInodes(of pid: Int32) -> Set<UInt64> {
        let directory = "/proc/\(pid)/fd"
        guard let fds = try? FileIO.directoryNames(directory) else { return [] }
        var inodes: Set<UInt64> = []
        for fd in fds {
            guard let target = try? FileIO.readLink(directory + "/" + fd), target.hasPrefix("socket:["),
                let inode = UInt64(target.dropFirst(8).dropLast()) else { continue }
            inodes.insert(inode)
        }
        return inodes
    }

    /// Sockets bound to `port`.
    func inodes(port: UInt16) -> Set<UInt64> {
        Set(sockets.filter { $0.port == port }.map(\.inode))
    }

    /// Whether a socket not in `old` is bound to `address`:`port`.
    func hasNewSocket(on address: [UInt8], port: UInt16, notIn old: Set<UInt64>) -> Bool {
        sockets.contains { $0.address == address && $0.port == port && !old.contains($0.inode) }
    }

    /// "sl local_address rem_address st … uid timeout inode …", where local_address is
    /// "0100630A:0035": the address as the kernel's 32-bit words printed in host order.
    private static func parse(_ line: Substring) -> Socket? {
        let fields = line.split(separator: " ")
        guard fields.count > 9 else { return nil }
        let local = fields[1].split(separator: ":")
        guard local.count == 2, local[0].count == 8 || local[0].count == 32,
            let port = UInt16(local[1], radix: 16), let inode = UInt64(fields[9]) else { return nil }
        var address: [UInt8] = []
        var rest = local[0]
        while !rest.isEmpty {
            guard let word = UInt32(rest.prefix(8), radix: 16) else { return nil }
            withUnsafeBytes(of: word) { address += $0 }
            rest = rest.dropFirst(8)
        }
        return Socket(address: address, port: port, inode: inode)
    }

    /// An address's bytes (4 or 16, network order) by `inet_pton`, nil when `text` is not
    /// an IPv4 (`family` AF_INET) or IPv6 (AF_INET6, no zone) address.
    static func addressBytes(_ text: String, family: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &buffer) == 1 else { return nil }
        return Array(buffer.prefix(family == AF_INET ? 4 : 16))
    }

    /// `addressBytes` in whichever family `text` is.
    static func addressBytes(_ text: String) -> [UInt8]? {
        addressBytes(text, family: AF_INET) ?? addressBytes(text, family: AF_INET6)
    }
}
