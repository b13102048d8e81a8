import Foundation
import Glibc
import Testing

/// Peer tools run with a deadline: posix_spawn into a process group of their own,
/// output to files (a chatty or daemonizing child can never block on a pipe or hold
/// one open), no descriptor of the test process inherited past stderr, and the whole
/// group killed when the deadline passes.
enum Peer {
    /// Spawns `argv` with the test's environment plus `environment`; stdin is `stdin`
    /// when given, else /dev/null. Returns the pid, or nil with `errno`'s text in `failure`.
    static func spawn(
        _ argv: [String], environment: [String: String] = [:], stdin: Int32? = nil, stdout: String, stderr: String,
        failure: inout String
    ) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Close every descriptor the test process holds without close-on-exec (Glibc's
        // module lacks posix_spawn_file_actions_addclosefrom_np); glibc ignores a close
        // of one that was closed meanwhile.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(entry), fd > 2, fcntl(fd, F_GETFD) & FD_CLOEXEC == 0 {
                posix_spawn_file_actions_addclose(&actions, fd)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnvironment: [UnsafeMutablePointer<CChar>?] = merged.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard status == 0 else {
            failure = "could not start \(argv[0]): \(String(cString: strerror(status)))"
            return nil
        }
        return pid
    }

    /// Waits for the child `pid` until `deadline`; its exit code (128 + signal when a
    /// signal ended it), or nil when it is still running at the deadline.
    static func wait(_ pid: pid_t, until deadline: Date) -> Int32? {
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            // Reaped by someone else (or not ours): gone as far as we can tell.
            if reaped < 0 && errno == ECHILD { return kill(pid, 0) == 0 ? nil : -1 }
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
    }

    /// Runs `argv` to completion. When `timeout` passes first, its process group gets
    /// SIGTERM, then SIGKILL five seconds later, and the result says `timedOut`.
    /// `openStdin` gives it a pipe for stdin that stays open (with nothing written) until
    /// it exits, instead of /dev/null: script(1) passes an EOF on its stdin on to the
    /// terminal, where it would end an interactive session early.
    static func run(
        _ argv: [String], environment: [String: String] = [:], openStdin: Bool = false, timeout: TimeInterval
    ) -> CommandResult {
        let token = UUID().uuidString.prefix(8)
        let outputPath = temporaryDirectory + "/swrun-peer-\(token).out"
        let errorPath = temporaryDirectory + "/swrun-peer-\(token).err"
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        var input: [Int32] = [-1, -1]
        if openStdin {
            guard pipe(&input) == 0 else {
                return CommandResult(status: -1, stdout: "", stderr: "pipe: \(String(cString: strerror(errno)))", timedOut: false)
            }
            for fd in input { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        defer {
            if input[1] >= 0 { close(input[1]) }
        }
        var failure = ""
        let spawned = spawn(argv, environment: environment, stdin: openStdin ? input[0] : nil,
                            stdout: outputPath, stderr: errorPath, failure: &failure)
        if input[0] >= 0 { close(input[0]) }
        guard let pid = spawned else {
            return CommandResult(status: -1, stdout: "", stderr: failure, timedOut: false)
        }
        var timedOut = false
        var status = wait(pid, until: Date().addingTimeInterval(timeout))
        if status == nil {
            timedOut = true
            kill(-pid, SIGTERM)
            status = wait(pid, until: Date().addingTimeInterval(5))
            if status == nil {
                kill(-pid, SIGKILL)
                status = wait(pid, until: Date().addingTimeInterval(30))
            }
        }
        let stdout = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return CommandResult(status: status ?? -1, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }

    /// `NSTemporaryDirectory()` without its trailing slash, symbolic links resolved: the
    /// spelling the kernel uses in /proc/self/mountinfo and the peers in command lines.
    static let temporaryDirectory: String = {
        var path = NSTemporaryDirectory()
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }()

    /// Polls `condition` until it holds or `timeout` passes; whether it held.
    static func poll(timeout: TimeInterval, every interval: useconds_t = 50_000, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if condition() { return true }
            if Date() >= deadline { return false }
            usleep(interval)
        }
    }

    /// `argument` quoted for /bin/sh.
    static func shellQuoted(_ argument: String) -> String {
        "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Pids of the processes whose command line contains `text`.
    static func processes(containing text: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(text) ? pid : nil
        }
    }

    /// The command line of `pid` with spaces between its arguments, nil once it is gone.
    static func commandLine(_ pid: pid_t) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}

/// A private temporary directory. `release` unmounts whatever a peer left mounted below
/// it (reporting each, so a leak is seen) before removing it; deinit releases too.
final class ScratchDirectory: @unchecked Sendable {
    let path: String
    private var released = false

    init(_ prefix: String) throws {
        var template = Array((Peer.temporaryDirectory + "/" + prefix + ".XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PeerError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit { _ = release() }

    /// Mount points at or below `directory`, deepest first.
    static func mounts(below directory: String) -> [String] {
        let lines = ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").split(separator: "\n")
        let points = lines.compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            // mountinfo escapes space, tab, newline and backslash as octal.
            var point = String(fields[4])
            for (escaped, plain) in [("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")] {
                point = point.replacingOccurrences(of: escaped, with: plain)
            }
            return point == directory || point.hasPrefix(directory + "/") ? point : nil
        }
        return points.sorted { $0.count > $1.count }
    }

    /// Unmounts leftovers and removes the directory; the leftovers it had to unmount.
    func release() -> [String] {
        guard !released else { return [] }
        released = true
        let leftovers = Self.mounts(below: path)
        for point in leftovers { umount2(point, Int32(MNT_DETACH)) }
        if Self.mounts(below: path).isEmpty {
            try? FileManager.default.removeItem(atPath: path)
        }
        return leftovers.map { "still mounted: \($0)" }
    }
}

struct PeerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The OCI runtime the peers drive: `SWRUN_OCI_BIN` when set (e.g. `$(command -v runc)`
/// to check these tests against runc), else `swrun-oci` beside the swrun binary the
/// other integration tests use (`SWRUN_BIN`, or the debug build).
func ociRuntimePath() -> String {
    if let path = ProcessInfo.processInfo.environment["SWRUN_OCI_BIN"], !path.isEmpty { return path }
    return URL(fileURLWithPath: Swrun.binary).deletingLastPathComponent().appendingPathComponent("swrun-oci").path
}

/// `ociRuntimePath()`, required to be an executable file.
func requireOCIRuntime(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let path = ociRuntimePath()
    try #require(FileManager.default.isExecutableFile(atPath: path),
                 "no OCI runtime at \(path): build swrun-oci (swift build) or set SWRUN_OCI_BIN",
                 sourceLocation: sourceLocation)
    return path
}

/// podman driving an OCI runtime given by path (`podman --runtime PATH`), on the store and
/// config `SaveLoadTests.Podman` sets up (PEERS.md), every call with a deadline.
extension SaveLoadTests.Podman {
    /// Lists `names` in `runtime_supports_json`, so podman and conmon pass those runtimes
    /// `--log-format=json --log FILE` as they do runc and crun. (The list replaces
    /// podman's built-in one.) The key goes under the `[engine]` table, which must be
    /// the last table of the config `init` wrote.
    func declareJSONRuntimes(_ names: [String]) throws {
        let path = directory + "/containers.conf"
        let config = try String(contentsOfFile: path, encoding: .utf8)
        let tables = config.split(separator: "\n").filter { $0.hasPrefix("[") }
        guard tables.last == "[engine]" else { throw PeerError("\(path) does not end in its [engine] table:\n\(config)") }
        let list = names.map { "\"\($0)\"" }.joined(separator: ", ")
        try (config + (config.hasSuffix("\n") ? "" : "\n") + "runtime_supports_json = [\(list)]\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The full command line: `env CONTAINERS_CONF=… podman --root … --runtime RUNTIME ARGS`.
    func commandLine(runtime: String, _ arguments: [String]) -> [String] {
        [
            "/usr/bin/env",
            "CONTAINERS_CONF=" + directory + "/containers.conf",
            "CONTAINERS_REGISTRIES_CONF=" + directory + "/registries.conf",
            binary, "--root", directory + "/root", "--runroot", directory + "/run", "--storage-driver", "overlay",
            "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", runtime,
        ] + arguments
    }

    func run(runtime: String, _ arguments: [String], timeout: TimeInterval = 120) -> CommandResult {
        Peer.run(commandLine(runtime: runtime, arguments), timeout: timeout)
    }

    /// Removes every container (through `runtime`, which created them) and image, and
    /// unmounts the store, each step with a deadline.
    func removeAll(runtime: String) {
        _ = run(runtime: runtime, ["rm", "-a", "-f", "-t", "0"], timeout: 60)
        _ = run(runtime: runtime, ["rmi", "-a", "-f"], timeout: 60)
        _ = Peer.run(["/bin/umount", "-R", directory + "/root/overlay"], timeout: 30)
    }
}
