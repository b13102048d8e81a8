import Glibc
import SwrunOS

/// Kernel parameters under /proc/sys. The kernel resolves /proc/sys/net for the network
/// namespace of the thread that opens the file, so inside `NetworkNamespace.perform`
/// these read and write that namespace's settings.
public enum Sysctl {
    /// Writes /proc/sys/<key> ("net/ipv4/ip_forward") as seen by the calling thread's network namespace
    /// (call it inside NetworkNamespace.perform to target another namespace).
    public static func set(_ key: String, _ value: String) throws {
        let step = "sysctl \(key)=\(value)"
        let fd = open(try path(of: key), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(step) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        // /proc/sys takes a value in one write; a short one means the kernel refused the rest.
        guard written == bytes.count else {
            if written < 0 { throw failure(step) }
            throw SwrunError(.invalidArgument, "\(step): the kernel took only \(written) of \(bytes.count) bytes")
        }
    }

    /// The value of /proc/sys/<key> without its trailing newline.
    public static func get(_ key: String) throws -> String {
        let step = "sysctl \(key)"
        let fd = open(try path(of: key), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(step) }
        defer { close(fd) }
        var value = String(decoding: try FileIO.readAll(fd, chunkSize: 4096, step: step), as: UTF8.self)
        while value.last == "\n" { value.removeLast() }
        return value
    }

    /// /proc/sys/<key> for a key of slash-separated names that stays under /proc/sys.
    private static func path(of key: String) throws -> String {
        let names = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("\0") }) else {
            throw SwrunError(.invalidArgument, "invalid sysctl key: \(key)")
        }
        return "/proc/sys/" + key
    }

    /// The failed open or write of `step`; a key the kernel does not have is not found.
    private static func failure(_ step: String) -> SwrunError {
        let err = errno
        guard err == ENOENT else { return SwrunError.system(step, errno: err) }
        return SwrunError(.notFound, "\(step): no such kernel parameter", errno: err)
    }
}
