import Glibc
import SwrunOS

/// Asks the host whether a port can be bound: a socket of the mapping's protocol binds
/// its address and port and is closed at once. Nothing listens, nothing is sent.
enum PortProbe {
    /// The errno of binding the mapping's host side, nil when every bind worked. ""
    /// (every address) binds 0.0.0.0 and, where the host has IPv6, [::] (IPv6 only).
    static func bindError(_ mapping: PortMapping) -> Int32? {
        let type = mapping.proto == "udp" ? SOCK_DGRAM : SOCK_STREAM
        switch mapping.hostIP.isEmpty ? nil : IPAddress(mapping.hostIP) {
        case nil:
            if let error = bind(.v4(.unspecified), port: mapping.hostPort, type: type) { return error }
            let error = bind(.v6(.unspecified), port: mapping.hostPort, type: type)
            return error == EAFNOSUPPORT || error == EADDRNOTAVAIL ? nil : error
        case let address?:
            return bind(address, port: mapping.hostPort, type: type)
        }
    }

    private static func bind(_ address: IPAddress, port: UInt16, type: __socket_type) -> Int32? {
        let domain = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var on: Int32 = 1
        // A TCP port left in TIME_WAIT by a past connection is still free to listen on.
        if type == SOCK_STREAM { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) }
        let result: Int32
        switch address {
        case .v4(let v4):
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = port.bigEndian
            socketAddress.sin_addr.s_addr = v4.value.bigEndian
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(let v6):
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size))
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { raw in
                for (index, byte) in v6.bytes.enumerated() { raw[index] = byte }
            }
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        return result == 0 ? nil : errno
    }

    /// `/proc/sys/net/ipv4/ip_local_port_range` ("32768\t60999"), or Linux's default.
    static func ephemeralRange(file: String = "/proc/sys/net/ipv4/ip_local_port_range") -> ClosedRange<UInt16> {
        let fields = ((try? FileIO.readString(file)) ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard fields.count == 2, let low = UInt16(fields[0]), let high = UInt16(fields[1]), low > 0, low <= high else {
            return 32768...60999
        }
        return low...high
    }
}
