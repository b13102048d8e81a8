#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers over raw fds, usable without Foundation.
public enum FileIO {
    /// Writes all of `bytes` to `fd`, retrying partial writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], step: @autoclosure () -> String = "write") throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, step: step()) }
    }

    /// Writes all of `bytes` to `fd` without copying them, retrying partial writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, step: @autoclosure () -> String = "write") throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system(step())
            }
            offset += n
        }
    }

    /// Replaces the file at `path` with `contents` (create, truncate).
    public static func writeFile(_ path: String, _ contents: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        try writeAll(fd, Array(contents.utf8), step: "write \(path)")
    }

    /// Replaces the file at `path` with `bytes` (create, truncate).
    public static func writeFile(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        try writeAll(fd, bytes, step: "write \(path)")
    }

    /// Writes `contents` to an existing file without creating or truncating it
    /// (cgroup and proc files).
    public static func writeExisting(_ path: String, _ contents: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        try writeAll(fd, Array(contents.utf8), step: "write \(path)")
    }

    /// The whole content of the file at `path`.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        return try readAll(fd, step: "read \(path)")
    }

    /// Everything readable from `fd` until end of file.
    public static func readAll(_ fd: Int32, chunkSize: Int = 65536, step: @autoclosure () -> String = "read") throws -> [UInt8] {
        var result: [UInt8] = []
        try readChunks(fd, chunkSize: chunkSize, step: step()) { result.append(contentsOf: $0) }
        return result
    }

    /// Reads `fd` to its end, handing `body` each chunk read (EINTR retried): the one
    /// read loop for hashing, copying and collecting.
    public static func readChunks(
        _ fd: Int32, chunkSize: Int = 1 << 20, step: @autoclosure () -> String = "read",
        _ body: (ArraySlice<UInt8>) throws -> Void
    ) throws {
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system(step())
            }
            if n == 0 { return }
            try body(chunk[0..<n])
        }
    }

    /// Copies what is left to read from `input` to `output` (`what` names them in
    /// errors), with `copy_file_range` where the kernel and filesystems allow it.
    public static func copyData(from input: Int32, to output: Int32, what: String) throws {
        try copyContents(input, source: what, to: output, target: what)
    }

    public static func readString(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// Whether anything (even a dangling symlink) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// `mkdir -p`: creates `path` and missing parents; existing dirs are fine.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        if mkdir(path, mode) == 0 { return }
        let err = errno
        if err == EEXIST { return }
        if err == ENOENT {
            let parent = parentPath(path)
            if parent != path && !parent.isEmpty {
                try makeDirectories(parent, mode: mode)
                if mkdir(path, mode) == 0 || errno == EEXIST { return }
            }
        }
        throw SwrunError.system("mkdir \(path)", errno: errno == 0 ? err : errno)
    }

    /// The directory part of `path` ("/a/b" → "/a", "a" → ".").
    public static func parentPath(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// The names in directory `path`, without "." and "..".
    public static func directoryNames(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SwrunError.system("opendir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes `path` and everything below it, never following symlinks. Mount points
    /// below it make it fail with EBUSY rather than descend into another filesystem.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw SwrunError.system("lstat \(path)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try directoryNames(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw SwrunError.system("rmdir \(path)") }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw SwrunError.system("unlink \(path)") }
        }
    }

    /// Copies the regular file at `source` to the new file `target` (mode 0644) with
    /// copy_file_range, which stays in the kernel; falls back to read/write where the
    /// filesystems cannot.
    public static func copyFile(_ source: String, to target: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SwrunError.system("open \(source)") }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SwrunError.system("open \(target)") }
        defer { close(output) }
        try copyContents(input, source: source, to: output, target: target)
    }

    /// Appends the content of the regular file at `source` to `output` (`target` names
    /// it in errors), as `copyFile(_:to:)` does.
    public static func copyFile(_ source: String, toFD output: Int32, named target: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SwrunError.system("open \(source)") }
        defer { close(input) }
        try copyContents(input, source: source, to: output, target: target)
    }

    private static func copyContents(_ input: Int32, source: String, to output: Int32, target: String) throws {
        while true {
            let copied = copy_file_range(input, nil, output, nil, 1 << 30, 0)
            if copied > 0 { continue }
            if copied == 0 { return }
            if errno == EINTR { continue }
            if errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP { break }
            throw SwrunError.system("copy \(source) to \(target)")
        }
        try readChunks(input, step: "read \(source)") { try writeAll(output, Array($0), step: "write \(target)") }
    }

    /// The target of the symlink at `path`.
    public static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw SwrunError.system("readlink \(path)") }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// glibc's `copy_file_range(2)`, declared only under `_GNU_SOURCE`, so the Glibc
/// module does not export it; it has a plain C signature.
@_silgen_name("copy_file_range")
private func copy_file_range(
    _ fdIn: Int32, _ offIn: UnsafeMutablePointer<Int64>?, _ fdOut: Int32, _ offOut: UnsafeMutablePointer<Int64>?,
    _ length: Int, _ flags: UInt32
) -> Int
