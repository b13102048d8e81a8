import CSwrun
import Glibc
import SwrunOS

/// Network namespaces pinned by a bind mount on a file, as `ip netns` does, and work
/// done inside one. Everything runs on a thread of its own that joins the namespace,
/// so the calling thread (and the process) never changes namespace: the tests make
/// namespaces of their own and never touch the one they run in.
public enum NetworkNamespace {
    /// Makes a new network namespace (loopback down, as the kernel makes it) and pins it
    /// at `path`, a file this creates. Fails if `path` exists.
    public static func create(at path: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw SwrunError.system("create \(path)") }
        close(fd)
        do {
            try perform(in: nil) {
                guard mount("/proc/thread-self/ns/net", path, nil, UInt(MS_BIND), nil) == 0 else {
                    throw SwrunError.system("bind-mount a network namespace on \(path)")
                }
            }
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Unpins and deletes the namespace file at `path`; the namespace ends when nothing
    /// else (a process, another mount) holds it. A missing file is not an error.
    public static func remove(at path: String) throws {
        if umount2(path, Int32(MNT_DETACH)) != 0, errno != EINVAL, errno != ENOENT {
            throw SwrunError.system("unmount \(path)")
        }
        if unlink(path) != 0, errno != ENOENT { throw SwrunError.system("remove \(path)") }
    }

    /// Runs `body` on a new thread that has joined the network namespace pinned at
    /// `path`, or a new, empty one when `path` is nil, and returns what it returns.
    public static func perform<T>(in path: String?, _ body: () throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            try ThreadTask {
                try enter(path)
                return try body()
            }.value()
        }
    }

    /// Moves the calling thread into the namespace at `path`, or a new one.
    private static func enter(_ path: String?) throws {
        if let path {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open network namespace \(path)") }
            defer { close(fd) }
            guard sw_setns(fd, Int32(truncatingIfNeeded: SW_CLONE_NEWNET)) == 0 else { throw SwrunError.system("join network namespace \(path)") }
        } else {
            guard sw_unshare(Int32(truncatingIfNeeded: SW_CLONE_NEWNET)) == 0 else { throw SwrunError.system("create a network namespace") }
        }
    }
}
