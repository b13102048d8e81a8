#if canImport(Glibc)
import Glibc
#endif

/// A `SOCK_SEQPACKET` Unix socket end: message boundaries are kept, so each typed
/// message between `swrun` and `swrun-init` is one `send` and one `recv`.
public struct SeqPacket: Sendable {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }

    /// A connected pair; both ends close on exec.
    public static func pair() throws -> (SeqPacket, SeqPacket) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SwrunError.system("socketpair")
        }
        return (SeqPacket(fd: fds[0]), SeqPacket(fd: fds[1]))
    }

    public func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { buf in
            Glibc.send(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL))
        }
        guard sent == bytes.count else { throw SwrunError.system("send") }
    }

    /// Sends without blocking: false when the socket has no room for the whole message
    /// now (poll for POLLOUT and try again). The relays use it so neither side of the
    /// socket blocks sending while the other can only go on once it is read.
    public func trySend(_ bytes: [UInt8]) throws -> Bool {
        while true {
            let sent = bytes.withUnsafeBytes { buf in
                Glibc.send(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent == bytes.count { return true }
            if sent < 0 && errno == EINTR { continue }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
            throw SwrunError.system("send")
        }
    }

    /// The next message, or nil at end of file (the peer closed its end).
    public func receive() throws -> [UInt8]? {
        while true {
            var probe: UInt8 = 0
            let size = recv(fd, &probe, 0, Int32(MSG_PEEK | MSG_TRUNC))
            if size < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("recv")
            }
            var buffer = [UInt8](repeating: 0, count: max(size, 1))
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("recv")
            }
            if got == 0 && size == 0 {
                // A zero-length datagram and EOF look alike; we never send empty messages.
                return nil
            }
            return Array(buffer[0..<got])
        }
    }

    public func close() { _ = Glibc.close(fd) }
}
