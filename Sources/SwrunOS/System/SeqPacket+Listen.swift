#if canImport(Glibc)
import Glibc
#endif

extension SeqPacket {
    /// A listening `SOCK_SEQPACKET` socket at `directory/name` (an old one there is
    /// replaced), readable by its owner only. Close-on-exec and non-blocking: accept
    /// with `accept()` when poll says it is readable.
    public static func listen(directory: String, name: String) throws -> SeqPacket {
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SwrunError.system("socket") }
        let bound = withAddress(directory: directory, name: name) { path, address, length in
            unlink(path)
            guard bind(fd, address, length) == 0 else { return false }
            chmod(path, 0o600)
            return Glibc.listen(fd, 16) == 0
        }
        guard bound == true else {
            let error = SwrunError.system("listen on \(directory)/\(name)")
            Glibc.close(fd)
            throw error
        }
        return SeqPacket(fd: fd)
    }

    /// A socket connected to the listening one at `directory/name`; close-on-exec.
    public static func connect(directory: String, name: String) throws -> SeqPacket {
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SwrunError.system("socket") }
        let connected = withAddress(directory: directory, name: name) { _, address, length in
            while true {
                if Glibc.connect(fd, address, length) == 0 { return true }
                if errno != EINTR { return false }
            }
        }
        guard connected == true else {
            let error = SwrunError.system("connect to \(directory)/\(name)")
            Glibc.close(fd)
            throw error
        }
        return SeqPacket(fd: fd)
    }

    /// The next client of a listening socket, close-on-exec; nil when none waits. For a
    /// single-threaded process: the flag is set after the accept.
    public func accept() -> SeqPacket? {
        while true {
            // No accept4 in Glibc's module; swrun-init, its user, has a single thread.
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return SeqPacket(fd: client)
            }
            if errno != EINTR { return nil }
        }
    }

    /// Calls `body` with a path for `directory/name` and its `sockaddr_un`. A path longer
    /// than `sun_path` (108 bytes: a long `--root`) goes through the directory's fd,
    /// `/proc/self/fd/N/name`, which the kernel resolves as any path. nil when the
    /// directory cannot be opened (errno set).
    private static func withAddress<T>(directory: String, name: String,
                                       _ body: (String, UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        var path = directory + "/" + name
        var directoryFD: Int32 = -1
        if path.utf8.count >= capacity {
            directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard directoryFD >= 0 else { return nil }
            path = "/proc/self/fd/\(directoryFD)/\(name)"
        }
        defer { if directoryFD >= 0 { Glibc.close(directoryFD) } }
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else {
            errno = ENAMETOOLONG
            return nil
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(path, $0, length) }
        }
    }
}
