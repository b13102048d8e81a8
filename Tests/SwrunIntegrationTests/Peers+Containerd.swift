import Foundation
import Glibc
import Testing

/// A private containerd (Debian's 1.6, PEERS.md): its own root, state, socket and config
/// in a temporary directory, the CRI plugin and the snapshotters that probe the host
/// disabled, started for one suite by the `.containerd` trait and stopped by its pid.
/// busybox (the fixture rootfs as a docker-archive) is imported as `image`.
final class Containerd: @unchecked Sendable {
    static let image = "docker.io/library/busybox:latest"

    /// The containerd of the running suite, or why it could not be started.
    @TaskLocal static var current: Result<Containerd, PeerError>?

    /// The running suite's containerd; fails the test with the reason when there is none.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> Containerd {
        switch current {
        case .success(let containerd): return containerd
        case .failure(let error):
            Issue.record("containerd did not start: \(error)", sourceLocation: sourceLocation)
            throw error
        case nil:
            Issue.record("no containerd: the suite lacks the .containerd trait", sourceLocation: sourceLocation)
            throw PeerError("no containerd")
        }
    }

    let scratch: ScratchDirectory
    let socket: String
    let runcRoot: String
    let fifoDirectory: String
    let logPath: String
    /// The cgroup the suite's containers go below (ctr's default is the namespace,
    /// `/default`, shared with any other containerd); removed by `stop`.
    let cgroupParent: String
    let ctrBinary: String
    let pid: pid_t
    /// Whether /run/containerd was there before: ctr and the shims use it whatever
    /// the daemon's --state (shim sockets in /run/containerd/s).
    let runDirectoryExisted: Bool

    private init(scratch: ScratchDirectory, ctrBinary: String, pid: pid_t, runDirectoryExisted: Bool) {
        self.scratch = scratch
        socket = scratch.path + "/containerd.sock"
        runcRoot = scratch.path + "/runc"
        fifoDirectory = scratch.path + "/fifo"
        logPath = scratch.path + "/containerd.log"
        cgroupParent = "swrun-oci-it-" + UUID().uuidString.prefix(8).lowercased()
        self.ctrBinary = ctrBinary
        self.pid = pid
        self.runDirectoryExisted = runDirectoryExisted
    }

    static func start() throws -> Containerd {
        guard let daemon = SaveLoadTests.which("containerd"), let ctr = SaveLoadTests.which("ctr") else {
            throw PeerError("containerd and ctr are test dependencies (scripts/test installs the containerd package)")
        }
        let scratch = try ScratchDirectory("swrun-oci-containerd")
        let base = scratch.path
        for directory in ["root", "state", "runc", "fifo", "opt", "image"] {
            try FileManager.default.createDirectory(atPath: base + "/" + directory, withIntermediateDirectories: true)
        }
        let config = """
            version = 2
            root = "\(base)/root"
            state = "\(base)/state"
            disabled_plugins = [
              "io.containerd.grpc.v1.cri",
              "io.containerd.snapshotter.v1.aufs",
              "io.containerd.snapshotter.v1.btrfs",
              "io.containerd.snapshotter.v1.devmapper",
              "io.containerd.snapshotter.v1.zfs",
            ]
            [grpc]
              address = "\(base)/containerd.sock"
            [plugins."io.containerd.internal.v1.opt"]
              path = "\(base)/opt"

            """
        try config.write(toFile: base + "/config.toml", atomically: true, encoding: .utf8)

        let runDirectoryExisted = Host.exists("/run/containerd")
        var failure = ""
        guard let pid = Peer.spawn(
            [daemon, "--config", base + "/config.toml", "--root", base + "/root", "--state", base + "/state",
             "--address", base + "/containerd.sock"],
            stdout: base + "/containerd.log", stderr: base + "/containerd.log", failure: &failure)
        else { throw PeerError(failure) }
        let containerd = Containerd(scratch: scratch, ctrBinary: ctr, pid: pid, runDirectoryExisted: runDirectoryExisted)

        var exited: Int32?
        let ready = Peer.poll(timeout: 30) {
            if let status = Peer.wait(pid, until: .distantPast) {
                exited = status
                return true
            }
            return Host.exists(containerd.socket) && containerd.ctr(["version"], timeout: 10).status == 0
        }
        if !ready || exited != nil {
            let log = (try? String(contentsOfFile: containerd.logPath, encoding: .utf8)) ?? ""
            let problems = containerd.stop()
            throw PeerError("containerd \(exited.map { "exited with \($0)" } ?? "not ready after 30 s"); \(problems)\nlog:\n\(log.suffix(3000))")
        }

        let archive = base + "/busybox-docker-archive.tar"
        do {
            try makeDockerArchive(rootfs: Swrun.fixtures + "/busybox.tar", reference: image, directory: base + "/image", output: archive)
        } catch {
            _ = containerd.stop()
            throw error
        }
        let imported = containerd.ctr(["images", "import", archive], timeout: 120)
        if imported.status != 0 {
            let problems = containerd.stop()
            throw PeerError("ctr images import: \(imported); \(problems)")
        }
        return containerd
    }

    /// A docker-archive (`docker save`'s format, which `ctr images import` reads) with
    /// the rootfs tarball as its one layer, tagged `reference`.
    static func makeDockerArchive(rootfs: String, reference: String, directory: String, output: String) throws {
        guard Host.exists(rootfs) else { throw PeerError("fixture \(rootfs) is missing (scripts/setup makes it)") }
        let layer = directory + "/layer.tar"
        try FileManager.default.copyItem(atPath: rootfs, toPath: layer)
        let summed = Peer.run(["/usr/bin/sha256sum", layer], timeout: 60)
        let digest = String(summed.out.prefix(64))
        guard summed.status == 0, digest.count == 64 else { throw PeerError("sha256sum: \(summed)") }
        let config: [String: Any] = [
            "architecture": "amd64", "os": "linux",
            "config": ["Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]],
            "rootfs": ["type": "layers", "diff_ids": ["sha256:" + digest]],
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: directory + "/config.json"))
        let manifest: [[String: Any]] = [["Config": "config.json", "RepoTags": [reference], "Layers": ["layer.tar"]]]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: directory + "/manifest.json"))
        let packed = Peer.run(["/bin/tar", "-cf", output, "-C", directory, "manifest.json", "config.json", "layer.tar"], timeout: 60)
        guard packed.status == 0 else { throw PeerError("tar: \(packed)") }
    }

    /// `ctr --address SOCKET ARGS` with a deadline.
    func ctr(_ arguments: [String], timeout: TimeInterval = 60) -> CommandResult {
        Peer.run([ctrBinary, "--address", socket] + arguments, timeout: timeout)
    }

    /// The `ctr run` flags that make the runc shim use `runtime` with its state and
    /// the FIFOs in this containerd's directory, and container `id`'s cgroup below
    /// `cgroupParent`.
    func runArguments(runtime: String, id: String) -> [String] {
        ["--runc-binary", runtime, "--runc-root", runcRoot, "--fifo-dir", fifoDirectory,
         "--cgroup", "/\(cgroupParent)/\(id)"]
    }

    /// Removes `cgroupParent` from every hierarchy; a container cgroup still below it
    /// (a runtime that did not remove it on delete) is a problem.
    func removeCgroups() -> [String] {
        var problems: [String] = []
        let hierarchies = [Host.cgroupRoot] + ((try? FileManager.default.contentsOfDirectory(atPath: Host.cgroupRoot)) ?? [])
            .map { Host.cgroupRoot + "/" + $0 }
        var seen = Set<String>()
        for hierarchy in hierarchies {
            let directory = hierarchy + "/" + cgroupParent
            var info = stat()
            guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
                  seen.insert("\(info.st_dev):\(info.st_ino)").inserted else { continue }
            for child in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                var childInfo = stat()
                guard stat(directory + "/" + child, &childInfo) == 0, childInfo.st_mode & S_IFMT == S_IFDIR else { continue }
                problems.append("cgroup left: \(directory)/\(child)")
                rmdir(directory + "/" + child)
            }
            if rmdir(directory) != 0 { problems.append("could not remove \(directory): \(String(cString: strerror(errno)))") }
        }
        return problems
    }

    /// `ctr task ls`: task ID → (pid, status).
    func tasks() -> [String: (pid: pid_t, status: String)] {
        var tasks: [String: (pid: pid_t, status: String)] = [:]
        for line in ctr(["task", "ls"], timeout: 30).lines.dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3 else { continue }
            tasks[String(fields[0])] = (pid_t(fields[1]) ?? -1, String(fields[2]))
        }
        return tasks
    }

    /// Stops everything: the tasks and containers left, containerd (SIGTERM, SIGKILL
    /// after 20 s), shims still running for its socket, mounts below its directory.
    /// Returns what had to be cleaned up forcibly or could not be.
    func stop() -> [String] {
        var problems: [String] = []
        if Peer.wait(pid, until: .distantPast) == nil {
            for id in ctr(["task", "ls", "-q"], timeout: 30).lines {
                problems.append("task \(id) was left")
                _ = ctr(["task", "delete", "--force", id], timeout: 30)
            }
            for id in ctr(["container", "ls", "-q"], timeout: 30).lines {
                problems.append("container \(id) was left")
                _ = ctr(["container", "delete", id], timeout: 30)
            }
            kill(pid, SIGTERM)
            if Peer.wait(pid, until: Date().addingTimeInterval(20)) == nil {
                problems.append("containerd ignored SIGTERM for 20 s")
                kill(pid, SIGKILL)
                _ = Peer.wait(pid, until: Date().addingTimeInterval(10))
            }
        }
        // Shims outlive containerd by design: any one of ours still there leaked.
        let shims = Peer.processes(containing: socket).filter { Peer.commandLine($0)?.contains("containerd-shim") == true }
        for shim in shims {
            problems.append("shim left running: \(Peer.commandLine(shim) ?? "pid \(shim)")")
            kill(shim, SIGKILL)
        }
        let stragglers = Peer.processes(containing: scratch.path).filter { !shims.contains($0) }
        for straggler in stragglers {
            problems.append("process left running: \(Peer.commandLine(straggler) ?? "pid \(straggler)")")
            kill(straggler, SIGKILL)
        }
        problems += removeCgroups()
        problems += scratch.release()
        // Leave /run/containerd as it was when no other containerd had made it.
        if !runDirectoryExisted {
            for directory in ["/run/containerd/s", "/run/containerd/fifo", "/run/containerd/runc/default",
                              "/run/containerd/runc", "/run/containerd"] {
                rmdir(directory)
            }
        }
        return problems
    }
}

/// Runs a suite against one private containerd: started before its first test, stopped
/// after its last, its leftovers (tasks, shims, processes, mounts) failing the suite.
struct ContainerdScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let started: Result<Containerd, PeerError>
        do {
            started = .success(try Containerd.start())
        } catch let error as PeerError {
            started = .failure(error)
        } catch {
            started = .failure(PeerError("\(error)"))
        }
        try await Containerd.$current.withValue(started) {
            try await function()
        }
        if case .success(let containerd) = started {
            for problem in containerd.stop() {
                Issue.record("containerd teardown: \(problem)")
            }
        }
    }
}

extension Trait where Self == ContainerdScope {
    /// One private containerd for the suite (`Containerd.require()` in its tests).
    static var containerd: Self { Self() }
}
