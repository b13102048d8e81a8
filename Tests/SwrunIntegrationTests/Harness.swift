import Foundation
import Glibc
import Testing

/// What one invocation of the swrun binary produced.
struct CommandResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    /// True when the harness had to kill the binary because it outlived its timeout.
    let timedOut: Bool

    /// Standard output without the trailing newline(s).
    var out: String { stdout.trimmingCharacters(in: .newlines) }
    /// Standard error without the trailing newline(s).
    var err: String { stderr.trimmingCharacters(in: .newlines) }
    /// Standard output split into lines, without empty trailing lines.
    var lines: [String] { out.isEmpty ? [] : out.components(separatedBy: "\n") }

    var description: String {
        "exit \(status)\(timedOut ? " (timed out)" : "")\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}

/// A swrun process started in the background (for signal tests); `wait` collects it.
final class RunningCommand {
    let process: Process
    private let outputPath: String
    private let errorPath: String
    private let finished = DispatchSemaphore(value: 0)

    fileprivate init(process: Process, outputPath: String, errorPath: String) {
        self.process = process
        self.outputPath = outputPath
        self.errorPath = errorPath
        let finished = self.finished
        process.terminationHandler = { _ in finished.signal() }
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Polls the standard output until it contains `text`; false when `timeout` passes
    /// or the process exits first.
    func waitForOutput(_ text: String, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let output = try? String(contentsOfFile: outputPath, encoding: .utf8), output.contains(text) { return true }
            if !process.isRunning { return false }
            usleep(20_000)
        }
        return false
    }

    /// Waits for the process; kills it with SIGKILL when `timeout` seconds pass first.
    func wait(timeout: TimeInterval = Swrun.defaultTimeout) -> CommandResult {
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        unlink(outputPath)
        unlink(errorPath)
        return CommandResult(status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}

/// Drives the built swrun binary against a private store root under /tmp, as a user would.
/// The root (and a scratch directory next to it) is removed when the value is released,
/// after `rm -f` of every container still recorded there.
final class Swrun {
    static let defaultTimeout: TimeInterval = 60

    /// `SWRUN_BIN` when set (scripts/test points it at the release build), else the
    /// debug build of the repository this file belongs to.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["SWRUN_BIN"], !path.isEmpty { return path }
        return repository + "/.build/debug/swrun"
    }()

    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let fixtures = "/var/cache/swrun/fixtures"

    /// The sandbox directory: `root` is the store, `scratch` is free space for the test.
    let base: String
    let root: String
    let scratch: String

    /// With `privateNetwork`, a network namespace of this sandbox's own, pinned here:
    /// every swrun command runs in it (`nsenter`), so its bridges, veths and firewall
    /// rules stay there and end with it.
    let networkNamespace: String?

    init(privateNetwork: Bool = false) throws {
        // Containers get the default bridge network: the host's own namespace must
        // never be where that happens (scripts/test runs everything in one of its own).
        guard Self.outsideHostNetwork else {
            throw SandboxError("the tests change network state: run them through scripts/test, or inside `unshare --net`")
        }
        base = "/tmp/swrun-it-" + UUID().uuidString.prefix(8).lowercased()
        root = base + "/root"
        scratch = base + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        if privateNetwork {
            let path = base + "/netns"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard Host.run("/usr/bin/unshare", ["--net=" + path, "true"]).status == 0,
                  Host.run("/usr/bin/nsenter", ["--net=" + path, "ip", "link", "set", "lo", "up"]).status == 0 else {
                throw SandboxError("could not make a network namespace at \(path)")
            }
            networkNamespace = path
        } else {
            networkNamespace = nil
        }
    }

    deinit {
        let leftover = run(["ps", "-a", "-q", "--no-trunc"], timeout: 20)
        if leftover.status == 0, !leftover.lines.isEmpty {
            _ = run(["rm", "-f"] + leftover.lines, timeout: 30)
        }
        if let networkNamespace { umount2(networkNamespace, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: base)
    }

    /// True in a namespace with no default route, as the private one scripts/test makes
    /// (or where scripts/test vouches for it: the kernel VM, which has no network). PID
    /// 1's namespace cannot be compared here: /proc/1/ns is closed to the tests.
    static let outsideHostNetwork: Bool = {
        if ProcessInfo.processInfo.environment["SWRUN_TEST_NETNS"] == "1" { return true }
        guard let routes = try? String(contentsOfFile: "/proc/self/net/route", encoding: .utf8) else { return false }
        let hasDefault = routes.split(separator: "\n").dropFirst().contains { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            return fields.count > 1 && fields[1] == "00000000"
        }
        let routes6 = (try? String(contentsOfFile: "/proc/self/net/ipv6_route", encoding: .utf8)) ?? ""
        let hasDefault6 = routes6.split(separator: "\n").contains { line in
            line.hasPrefix("00000000000000000000000000000000 00") && line.split(whereSeparator: \.isWhitespace).last != "lo"
        }
        return !hasDefault && !hasDefault6
    }()

    /// Runs a host command in the sandbox's network namespace (the test's own without one).
    @discardableResult
    func inNetwork(_ command: [String], stdin: Data? = nil) -> (status: Int32, stdout: String) {
        guard let networkNamespace else { return Host.run(command[0], Array(command.dropFirst()), stdin: stdin) }
        return Host.run("/usr/bin/nsenter", ["--net=" + networkNamespace, "--"] + command, stdin: stdin)
    }

    /// Runs `swrun --root <root> <arguments>` to completion.
    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = defaultTimeout) -> CommandResult {
        do {
            return try start(arguments, stdin: stdin).wait(timeout: timeout)
        } catch {
            return CommandResult(status: -1, stdout: "", stderr: "could not start \(Self.binary): \(error)", timedOut: false)
        }
    }

    /// `swrun run --rm <arguments>`.
    @discardableResult
    func runRm(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = defaultTimeout) -> CommandResult {
        run(["run", "--rm"] + arguments, stdin: stdin, timeout: timeout)
    }

    /// Starts `swrun --root <root> <arguments>` in the background. Output goes to files,
    /// so a chatty container can never block on a full pipe.
    func start(_ arguments: [String], stdin: Data? = nil) throws -> RunningCommand {
        let token = UUID().uuidString.prefix(8)
        let outputPath = base + "/.out-" + token
        let errorPath = base + "/.err-" + token
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        if let networkNamespace {
            // nsenter execs swrun itself (no fork for a network namespace): signals reach it.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=" + networkNamespace, "--", Self.binary, "--root", root] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["--root", root] + arguments
        }
        if let stdin {
            let inputPath = base + "/.in-" + token
            _ = FileManager.default.createFile(atPath: inputPath, contents: stdin)
            process.standardInput = FileHandle(forReadingAtPath: inputPath)
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        let running = RunningCommand(process: process, outputPath: outputPath, errorPath: errorPath)
        try process.run()
        return running
    }

    /// The full IDs of every container in the store (`ps -a -q --no-trunc`).
    func containerIDs() -> [String] {
        run(["ps", "-a", "-q", "--no-trunc"]).lines
    }

    /// Entries of `<root>/containers` (empty when the directory does not exist).
    func containerDirectories() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/containers")) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Entries of `<root>/layers`.
    func layerDirectories() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/layers")) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }
}

/// Helpers shared by the suites.
enum Host {
    /// Runs a host command to completion and returns its exit status and stdout.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            do { try process.run() } catch { return (-1, "") }
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
            do { try process.run() } catch { return (-1, "") }
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// Every path below `directory` with its type, size, mode and mtime: equal
    /// snapshots mean nothing under it was added, removed or rewritten.
    static func snapshot(_ directory: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var entries: [String] = []
        while let relative = walker.nextObject() as? String {
            var info = stat()
            guard lstat(directory + "/" + relative, &info) == 0 else { entries.append(relative + " ?"); continue }
            entries.append("\(relative) \(info.st_mode) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)")
        }
        return entries.sorted()
    }

    /// The host's network interface names from /proc/net/dev.
    static func interfaces() -> [String] {
        let lines = (read("/proc/net/dev") ?? "").split(separator: "\n").dropFirst(2)
        return lines.compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }.sorted()
    }

    /// Interface names from a /proc/net/dev listing printed by a container.
    static func interfaces(in listing: String) -> [String] {
        listing.split(separator: "\n").dropFirst(2)
            .compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }.sorted()
    }

    /// The value of `field` in a /proc/<pid>/status listing ("CapEff" → "00000000a80425fb").
    static func statusField(_ field: String, in status: String) -> String? {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

/// Capability numbers from linux/capability.h and the masks docker grants.
enum Capability {
    static let chown = 0, dacOverride = 1, fowner = 3, fsetid = 4, kill = 5, setgid = 6, setuid = 7
    static let setpcap = 8, netBindService = 10, netAdmin = 12, netRaw = 13, sysChroot = 18
    static let mknod = 27, auditWrite = 29, setfcap = 31

    static let dockerDefault: [Int] = [
        chown, dacOverride, fowner, fsetid, kill, setgid, setuid, setpcap, netBindService, netRaw,
        sysChroot, mknod, auditWrite, setfcap,
    ]

    static func mask(_ capabilities: [Int]) -> String {
        let value = capabilities.reduce(UInt64(0)) { $0 | (UInt64(1) << UInt64($1)) }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Every capability this (root) test process holds: what --privileged can grant.
    static var hostBounding: String {
        Host.statusField("CapBnd", in: Host.read("/proc/self/status") ?? "") ?? "?"
    }
}

/// A sandbox that could not be set up.
struct SandboxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
