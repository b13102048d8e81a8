import Foundation
import Glibc
import Testing

/// One OCI bundle for `swrun-oci` (or `SWRUN_OCI_BIN`) in a private temporary directory:
/// the busybox fixture extracted as `rootfs`, a `config.json` made by `swrun-oci spec` and
/// edited for tests (no terminal, the given args, cgroupsPath `/swrun-oci-test/<id>`), and
/// a state directory of its own (`--root`). `tearDown` force-deletes whatever the store
/// still lists and fails the test for anything left behind: a store entry, a cgroup, a
/// process in the container's cgroup, a mount.
final class OCIBundle {
    static let cgroupParent = "swrun-oci-test"
    static let fixture = Swrun.fixtures + "/busybox.tar"
    static let commandTimeout: TimeInterval = 60

    let binary: String
    let scratch: ScratchDirectory
    /// The `--root` state directory.
    let root: String
    /// The bundle directory (absolute).
    let path: String
    let rootfs: String
    /// The container ID the bundle is meant for; its cgroupsPath names it.
    let id: String
    private var tornDown = false

    var base: String { scratch.path }
    var configPath: String { path + "/config.json" }
    var cgroupsPath: String { "/\(Self.cgroupParent)/\(id)" }

    static func token() -> String { UUID().uuidString.prefix(8).lowercased() }

    init(_ args: [String] = ["sleep", "1000"], sourceLocation: SourceLocation = #_sourceLocation) throws {
        binary = try requireOCIRuntime(sourceLocation: sourceLocation)
        scratch = try ScratchDirectory("swrun-oci-rt")
        id = "oci-" + Self.token()
        root = scratch.path + "/state"
        path = scratch.path + "/bundle"
        rootfs = path + "/rootfs"
        try FileManager.default.createDirectory(atPath: rootfs, withIntermediateDirectories: true)
        let extracted = Peer.run(["/usr/bin/tar", "-xf", Self.fixture, "-C", rootfs], timeout: 60)
        try #require(extracted.status == 0, "extract \(Self.fixture): \(extracted)", sourceLocation: sourceLocation)
        let spec = oci(["spec", "--bundle", path])
        try #require(spec.status == 0, "swrun-oci spec: \(spec)", sourceLocation: sourceLocation)
        let cgroupsPath = cgroupsPath
        try configure { config in
            config[path: "process.terminal"] = false
            config[path: "process.args"] = args
            config[path: "linux.cgroupsPath"] = cgroupsPath
        }
    }

    deinit { _ = release() }

    // MARK: config.json

    /// config.json as JSONSerialization reads it.
    func config() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: configPath))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "config.json is no object")
    }

    /// Reads config.json, lets `edit` change it, writes it back.
    func configure(_ edit: (inout [String: Any]) throws -> Void) throws {
        var object = try config()
        try edit(&object)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: configPath))
    }

    /// Makes `directory` (a host path) appear at the same path inside the container: a
    /// read-write bind mount, its mount point made in the rootfs. A path written by a hook
    /// then means the same file in the runtime's namespaces and in the container's.
    func shareDirectory(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: rootfs + directory, withIntermediateDirectories: true)
        try configure { config in
            var mounts = config["mounts"] as? [[String: Any]] ?? []
            mounts.append(["destination": directory, "type": "bind", "source": directory, "options": ["rbind", "rw"]])
            config["mounts"] = mounts
        }
    }

    // MARK: commands

    /// `swrun-oci --root <root> <arguments>` to completion, killed after `timeout`.
    @discardableResult
    func oci(_ arguments: [String], timeout: TimeInterval = commandTimeout) -> CommandResult {
        Peer.run([binary, "--root", root] + arguments, timeout: timeout)
    }

    /// `swrun-oci --root <root> <arguments>` in the background; `wait` collects it.
    func background(_ arguments: [String]) throws -> BackgroundCommand {
        try BackgroundCommand([binary, "--root", root] + arguments)
    }

    /// `create --bundle <path> <id>` (plus `extra` before the ID), required to succeed.
    func create(_ extra: [String] = [], id: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let created = oci(["create", "--bundle", path] + extra + [id ?? self.id])
        try #require(created.status == 0, "create: \(created)", sourceLocation: sourceLocation)
    }

    /// `state ID` parsed; nil when the command fails or prints no JSON object.
    func state(_ id: String? = nil) -> [String: Any]? {
        let result = oci(["state", id ?? self.id], timeout: 30)
        guard result.status == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
    }

    func status(_ id: String? = nil) -> String? {
        state(id)?["status"] as? String
    }

    /// Polls `state` until the status is `wanted`; the last status seen (nil: no state).
    @discardableResult
    func waitForStatus(_ wanted: String, id: String? = nil, timeout: TimeInterval = 30) -> String? {
        var last: String?
        _ = Peer.poll(timeout: timeout, every: 20_000) {
            last = status(id)
            return last == wanted
        }
        return last
    }

    // MARK: what is left on the host

    /// Entries of the state directory (none when it does not exist).
    func storeEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
    }

    /// Every cgroup hierarchy mounted under /sys/fs/cgroup: the root itself on v2; on v1
    /// each controller's (and named ones such as systemd's), not only those swrun joins.
    static let hierarchies: [String] = {
        if Host.cgroupVersion == .v2 { return [Host.cgroupRoot] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Host.cgroupRoot)) ?? []
        return names.sorted().map { Host.cgroupRoot + "/" + $0 }.filter { path in
            var info = stat()
            // A real directory (cpu and cpuacct are often symbolic links to cpu,cpuacct).
            return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        }
    }()

    /// The cgroup directories of container `id` (cgroupsPath `/swrun-oci-test/<id>`) that
    /// exist, in any hierarchy.
    func remainingCgroups(_ id: String? = nil) -> [String] {
        Self.hierarchies.map { "\($0)/\(Self.cgroupParent)/\(id ?? self.id)" }.filter { Host.exists($0) }
    }

    /// `file` of `controller` in container `id`'s cgroup (`memory.limit_in_bytes` on v1 is
    /// `memory/swrun-oci-test/<id>/memory.limit_in_bytes`; v2 has one directory).
    func cgroupFile(_ controller: String, _ file: String, id: String? = nil) -> String {
        Host.containerCgroupDirectory(controller, parent: Self.cgroupParent, id: id ?? self.id) + "/" + file
    }

    /// Processes whose /proc/PID/cgroup names container `id`'s cgroup.
    func processesInCgroup(_ id: String? = nil) -> [pid_t] {
        let suffix = "/\(Self.cgroupParent)/\(id ?? self.id)"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let text = Host.read("/proc/\(entry)/cgroup") else { return nil }
            let member = text.split(separator: "\n").contains { $0.hasSuffix(suffix) || $0.contains(suffix + "/") }
            return member ? pid : nil
        }
    }

    /// Whether `pid` is a live (non-zombie) process.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, let stat = Host.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// `readlink /proc/PID/ns/<kind>`, e.g. "mnt:[4026532577]".
    static func namespace(_ kind: String, of pid: pid_t) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
    }

    // MARK: teardown

    private func release() -> [String] {
        guard !tornDown else { return [] }
        tornDown = true
        var problems: [String] = []
        let listed = oci(["list", "-q"], timeout: 30)
        for id in listed.lines where !id.isEmpty {
            let deleted = oci(["delete", "--force", id], timeout: 30)
            if deleted.status != 0 { problems.append("delete --force \(id): \(deleted)") }
        }
        let left = storeEntries()
        if !left.isEmpty { problems.append("state directory not empty after delete --force: \(left)") }
        for pid in processesInCgroup() {
            problems.append("process left in the container's cgroup: \(Peer.commandLine(pid) ?? "pid \(pid)")")
            kill(pid, SIGKILL)
        }
        _ = Peer.poll(timeout: 10) { processesInCgroup().isEmpty }
        for directory in remainingCgroups().sorted(by: { $0.count > $1.count }) {
            problems.append("cgroup left: \(directory)")
            rmdir(directory)
        }
        // The shared parent goes once no test's container is below it.
        for hierarchy in Self.hierarchies { rmdir(hierarchy + "/" + Self.cgroupParent) }
        return problems + scratch.release()
    }

    /// Removes what is left and records an issue for each leftover.
    func tearDown(sourceLocation: SourceLocation = #_sourceLocation) {
        for problem in release() {
            Issue.record("swrun-oci teardown: \(problem)", sourceLocation: sourceLocation)
        }
    }
}

/// A command started in its own process group, output to files; `wait` collects it,
/// killing the group when its deadline passes.
final class BackgroundCommand {
    let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    private var result: CommandResult?

    init(_ argv: [String], stdin: Int32? = nil) throws {
        let token = OCIBundle.token()
        outputPath = Peer.temporaryDirectory + "/swrun-oci-bg-\(token).out"
        errorPath = Peer.temporaryDirectory + "/swrun-oci-bg-\(token).err"
        var failure = ""
        guard let pid = Peer.spawn(argv, stdin: stdin, stdout: outputPath, stderr: errorPath, failure: &failure) else {
            throw PeerError(failure)
        }
        self.pid = pid
    }

    deinit { _ = wait(timeout: 10) }

    /// Standard output so far.
    var output: String { Host.read(outputPath) ?? "" }

    func wait(timeout: TimeInterval = OCIBundle.commandTimeout) -> CommandResult {
        if let result { return result }
        var timedOut = false
        var status = Peer.wait(pid, until: Date().addingTimeInterval(timeout))
        if status == nil {
            timedOut = true
            kill(-pid, SIGKILL)
            status = Peer.wait(pid, until: Date().addingTimeInterval(30))
        }
        let done = CommandResult(status: status ?? -1, stdout: Host.read(outputPath) ?? "", stderr: Host.read(errorPath) ?? "",
                                 timedOut: timedOut)
        unlink(outputPath)
        unlink(errorPath)
        result = done
        return done
    }
}

/// The caller's end of runc's console socket protocol: a listening unix stream socket;
/// the runtime connects and sends the pty master with SCM_RIGHTS.
final class ConsoleSocketListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw PeerError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw PeerError("bind/listen \(path): \(message)")
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Waits for `condition` on `fd` for at most `timeout`; whether it came.
    private static func poll(_ fd: Int32, _ events: Int16, timeout: TimeInterval) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let ready = Glibc.poll(&entry, 1, remaining)
            if ready > 0 { return true }
            if ready == 0 || (ready < 0 && errno != EINTR) { return false }
        }
    }

    /// Accepts one connection and receives one message from it; the descriptor it carried
    /// (close-on-exec) and the message's bytes.
    func receiveDescriptor(timeout: TimeInterval) throws -> (fd: Int32, message: String) {
        guard Self.poll(fd, Int16(POLLIN), timeout: timeout) else { throw PeerError("no connection on \(path) in \(timeout) s") }
        let connection = accept(fd, nil, nil)
        guard connection >= 0 else { throw PeerError("accept: \(String(cString: strerror(errno)))") }
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        defer { close(connection) }
        guard Self.poll(connection, Int16(POLLIN), timeout: timeout) else { throw PeerError("nothing sent on \(path) in \(timeout) s") }

        var data = [UInt8](repeating: 0, count: 4096)
        // CMSG_SPACE(sizeof(int)) is 24 on LP64; room for more, 8-byte aligned.
        var control = [UInt64](repeating: 0, count: 16)
        var received = -1
        var controlLength = 0
        data.withUnsafeMutableBytes { dataBuffer in
            control.withUnsafeMutableBytes { controlBuffer in
                var vector = iovec(iov_base: dataBuffer.baseAddress, iov_len: dataBuffer.count)
                withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBuffer.baseAddress
                    message.msg_controllen = controlBuffer.count
                    repeat {
                        received = recvmsg(connection, &message, Int32(MSG_CMSG_CLOEXEC))
                    } while received < 0 && errno == EINTR
                    controlLength = Int(message.msg_controllen)
                }
            }
        }
        guard received >= 0 else { throw PeerError("recvmsg: \(String(cString: strerror(errno)))") }

        // Walk the control messages: struct cmsghdr { size_t len; int level; int type; } then data.
        let header = MemoryLayout<cmsghdr>.size
        var descriptor: Int32 = -1
        control.withUnsafeBytes { raw in
            var offset = 0
            while offset + header <= controlLength {
                let length = raw.loadUnaligned(fromByteOffset: offset, as: Int.self)
                let level = raw.loadUnaligned(fromByteOffset: offset + 8, as: Int32.self)
                let type = raw.loadUnaligned(fromByteOffset: offset + 12, as: Int32.self)
                guard length >= header else { break }
                if level == SOL_SOCKET && type == Int32(SCM_RIGHTS), length >= header + 4 {
                    descriptor = raw.loadUnaligned(fromByteOffset: offset + header, as: Int32.self)
                    // Any further descriptors in this message: close them.
                    var extra = offset + header + 4
                    while extra + 4 <= offset + length {
                        close(raw.loadUnaligned(fromByteOffset: extra, as: Int32.self))
                        extra += 4
                    }
                }
                offset += (length + 7) & ~7
            }
        }
        guard descriptor >= 0 else { throw PeerError("no SCM_RIGHTS descriptor in the message (\(received) bytes)") }
        return (descriptor, String(decoding: data.prefix(received), as: UTF8.self))
    }

    /// Reads `fd` until `done` holds for what was read, it reports EOF or EIO (a pty
    /// master once the last slave is closed), or `timeout` passes.
    static func read(_ fd: Int32, timeout: TimeInterval, until done: (String) -> Bool) -> String {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !done(String(decoding: bytes, as: UTF8.self)) {
            guard poll(fd, Int16(POLLIN), timeout: max(0, deadline.timeIntervalSinceNow)) else { break }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += buffer.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A value by dotted path ("process.args"); setting makes the objects on the way.
    subscript(path path: String) -> Any? {
        get {
            var current: Any? = self
            for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
            return current
        }
        set {
            self = Self.setting(self, path.split(separator: ".").map(String.init)[...], newValue)
        }
    }

    private static func setting(_ object: [String: Any], _ keys: ArraySlice<String>, _ value: Any?) -> [String: Any] {
        var object = object
        guard let key = keys.first else { return object }
        if keys.count == 1 {
            object[key] = value
        } else {
            object[key] = setting(object[key] as? [String: Any] ?? [:], keys.dropFirst(), value)
        }
        return object
    }
}
