#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// The few file operations the cgroup managers need, on plain paths.
///
/// Writes open with `O_CREAT|O_TRUNC`: on cgroupfs the control files already exist
/// (the kernel makes them at `mkdir`) and both flags are ignored, while a stand-in
/// tree of plain files (the unit tests) gets the values written into new files.
enum CgroupFS {
    /// Writes `value` to `path` in one `write(2)`, as cgroupfs expects.
    static func write(_ path: String, _ value: String) throws {
        try writeLines(path, [value], newline: false)
    }

    /// Writes each line with its own `write(2)` on one open file: cgroupfs parses each
    /// call separately (`devices.allow` takes one rule per write), a plain file keeps
    /// them all, one per line.
    static func writeLines(_ path: String, _ lines: [String], newline: Bool = true) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        for line in lines {
            let text = newline ? line + "\n" : line
            let written = text.utf8CString.withUnsafeBufferPointer { buf in
                Glibc.write(fd, buf.baseAddress, buf.count - 1)
            }
            guard written == text.utf8.count else {
                let shown = text.hasSuffix("\n") ? String(text.dropLast()) : text
                throw SwrunError.system("write \(shown) to \(path)")
            }
        }
    }

    /// The whole content of `path`.
    static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { close(fd) }
        return String(decoding: try FileIO.readAll(fd, chunkSize: 4096, step: "read \(path)"), as: UTF8.self)
    }

    /// The content of `path`, or nil when it does not exist.
    static func readIfPresent(_ path: String) throws -> String? {
        guard exists(path) else { return nil }
        return try read(path)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `path` with symlinks resolved (`/sys/fs/cgroup/cpu` → `…/cpu,cpuacct`), or nil
    /// when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Creates `base` + each of `components` in turn; existing directories are fine.
    static func makeDirectories(base: String, components: [String]) throws {
        var path = base
        for component in components {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw SwrunError.system("mkdir \(path)")
            }
        }
    }

    /// Names of the subdirectories of `path` (none when it does not exist).
    static func subdirectories(_ path: String) throws -> [String] {
        try entries(path).filter { $0.isDirectory }.map(\.name)
    }

    /// Removes the cgroup directory `path` and any child cgroups under it, deepest
    /// first. A missing directory is fine. `EBUSY` (tasks still leaving) is retried
    /// with short sleeps for about a second.
    static func removeCgroupDirectory(_ path: String) throws {
        for child in try subdirectories(path) {
            try removeCgroupDirectory(path + "/" + child)
        }
        var delay: UInt32 = 1_000
        var attempts = 0
        while rmdir(path) != 0 {
            switch errno {
            case ENOENT:
                return
            case ENOTEMPTY, EEXIST:
                // Only a stand-in tree of plain files gets here: on cgroupfs the
                // control files do not keep a directory from being removed.
                try removePlainFiles(in: path)
                if rmdir(path) != 0 { throw SwrunError.system("rmdir \(path)") }
                return
            case EBUSY where attempts < 12:
                attempts += 1
                usleep(delay)
                delay = min(delay * 2, 200_000)
            default:
                throw SwrunError.system("rmdir \(path)")
            }
        }
    }

    private static func removePlainFiles(in path: String) throws {
        for entry in try entries(path) where !entry.isDirectory {
            if unlink(path + "/" + entry.name) != 0 && errno != ENOENT {
                throw SwrunError.system("unlink \(path)/\(entry.name)")
            }
        }
    }

    private static func entries(_ path: String) throws -> [(name: String, isDirectory: Bool)] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw SwrunError.system("opendir \(path)")
        }
        defer { closedir(dir) }
        var result: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            let type = entry.pointee.d_type
            let isDirectory = type == UInt8(DT_DIR)
                || (type == UInt8(DT_UNKNOWN) && Self.isDirectory(path + "/" + name))
            result.append((name, isDirectory))
        }
        return result
    }

    /// Process ids listed in a `cgroup.procs` file; a missing file lists none.
    static func readPids(_ path: String) throws -> [Int32] {
        guard let text = try readIfPresent(path) else { return [] }
        return text.split(whereSeparator: { $0 == "\n" || $0 == " " }).compactMap { Int32($0) }
    }

    /// The value of `key` in a flat-keyed file such as `memory.events`
    /// ("oom_kill 3" lines), or nil.
    static func keyedValue(_ key: String, in text: String) -> Int64? {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2 && fields[0] == key { return Int64(fields[1]) }
        }
        return nil
    }

    /// SIGKILLs what is left in the cgroup at `path` until it is empty, for at most
    /// 5 s: a process forked meanwhile is caught on the next round.
    static func killUntilEmpty(_ path: String, pids: () throws -> [Int32]) throws {
        let empty = try waitUntil(seconds: 5) {
            let left = try pids()
            for pid in left { kill(pid, SIGKILL) }
            return left.isEmpty
        }
        if !empty {
            throw SwrunError(.system, "kill processes in cgroup \(path): still running after SIGKILL")
        }
    }

    /// Polls `condition` every millisecond (backing off to 10 ms) for about `seconds`.
    static func waitUntil(seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
        var waited: UInt32 = 0
        var delay: UInt32 = 1_000
        let limit = UInt32(seconds * 1_000_000)
        while true {
            if try condition() { return true }
            if waited >= limit { return false }
            usleep(delay)
            waited += delay
            delay = min(delay * 2, 10_000)
        }
    }
}
