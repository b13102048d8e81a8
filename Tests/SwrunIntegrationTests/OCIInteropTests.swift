import Foundation
import Glibc
import Testing

/// The OCI runtime (`ociRuntimePath()`: swrun-oci, or `SWRUN_OCI_BIN`) driven through
/// the real peers as runc is: podman through conmon (`podman --runtime PATH`), and
/// containerd through containerd-shim-runc-v2 (`ctr run --runc-binary PATH`). Each peer
/// has its own store, state and config in a temporary directory; nothing reaches the
/// host's network (podman runs `--network none`, ctr without `--net-host` sets none up).
///
/// Against runc: `SWRUN_OCI_BIN=$(command -v runc) swift test --skip-build --no-parallel
/// --filter OCIInteropTests`.
@Suite("OCI interop: the peers drive the OCI runtime")
struct OCIInteropTests {
    static func token() -> String { UUID().uuidString.prefix(8).lowercased() }

    /// A podman with its own store, config and the busybox fixture imported, set to
    /// drive the runtime under test; `tearDown` removes its containers and fails the
    /// test for any mount or process (conmon, runtime) they left.
    final class PodmanSandbox {
        static let image = "docker.io/library/busybox:latest"
        /// podman's own list (containers.conf's default) plus swrun-oci.
        static let jsonRuntimes = ["crun", "runc", "kata", "runsc", "youki", "krun", "swrun-oci"]

        let runtime: String
        let scratch: ScratchDirectory
        let podman: SaveLoadTests.Podman
        private var tornDown = false

        init() throws {
            runtime = try requireOCIRuntime()
            scratch = try ScratchDirectory("swrun-oci-podman")
            podman = try #require(try SaveLoadTests.Podman(scratch: scratch.path),
                                  "podman is a test dependency (scripts/test installs it)")
            let name = URL(fileURLWithPath: runtime).lastPathComponent
            try podman.declareJSONRuntimes(Self.jsonRuntimes + (Self.jsonRuntimes.contains(name) ? [] : [name]))
            let imported = run(["import", Swrun.fixtures + "/busybox.tar", Self.image])
            try #require(imported.status == 0, "podman import: \(imported)")
        }

        deinit { _ = release() }

        func run(_ arguments: [String], timeout: TimeInterval = 120) -> CommandResult {
            podman.run(runtime: runtime, arguments, timeout: timeout)
        }

        /// `podman run --rm --network none [flags] busybox command…`.
        func runRm(_ flags: [String] = [], _ command: String...) -> CommandResult {
            run(["run", "--rm", "--network", "none"] + flags + [Self.image] + command)
        }

        /// IDs of every container podman knows (`ps -a`).
        func containerIDs() -> [String] {
            run(["ps", "-a", "-q", "--no-trunc"], timeout: 60).lines
        }

        private func release() -> [String] {
            guard !tornDown else { return [] }
            tornDown = true
            podman.removeAll(runtime: runtime)
            var problems: [String] = []
            let left = containerIDs()
            if !left.isEmpty { problems.append("podman could not remove containers \(left)") }
            for pid in Peer.processes(containing: scratch.path) {
                problems.append("process left running: \(Peer.commandLine(pid) ?? "pid \(pid)")")
                kill(pid, SIGKILL)
            }
            return problems + scratch.release()
        }

        func tearDown(sourceLocation: SourceLocation = #_sourceLocation) {
            for problem in release() {
                Issue.record("podman teardown: \(problem)", sourceLocation: sourceLocation)
            }
        }
    }

    @Suite("podman --runtime PATH (conmon)", .serialized)
    struct PodmanRuntime {
        @Test("run --rm prints the command's output and passes its exit code")
        func runRemove() throws {
            let sandbox = try PodmanSandbox()
            defer { sandbox.tearDown() }
            let hi = sandbox.runRm([], "echo", "hi")
            #expect(hi.status == 0, "\(hi)")
            #expect(hi.out == "hi", "\(hi)")
            let three = sandbox.runRm([], "sh", "-c", "exit 3")
            #expect(three.status == 3, "\(three)")
            #expect(three.out.isEmpty, "\(three)")
            let left = sandbox.containerIDs()
            #expect(left.isEmpty, "run --rm left containers: \(left)")
        }

        @Test("run -it gives the container a terminal (driven through script(1))")
        func terminal() throws {
            let sandbox = try PodmanSandbox()
            defer { sandbox.tearDown() }
            let podmanLine = sandbox.podman.commandLine(runtime: sandbox.runtime, [
                "run", "-it", "--rm", "--network", "none", PodmanSandbox.image, "sh", "-c", "tty; echo ok",
            ]).map(Peer.shellQuoted).joined(separator: " ")
            let ran = Peer.run(["/usr/bin/script", "-qec", podmanLine, "/dev/null"], openStdin: true, timeout: 120)
            #expect(ran.status == 0, "\(ran)")
            // A terminal ends lines with \r\n (one Character to Swift): split on the bytes.
            let lines = ran.stdout.utf8.split(separator: UInt8(ascii: "\n"))
                .map { String(decoding: $0.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self) }
            #expect(lines.contains { $0.hasSuffix("/dev/pts/0") }, "no /dev/pts/0 line: \(ran)")
            #expect(lines.contains("ok"), "\(ran)")
            #expect(!lines.contains { $0.contains("not a tty") }, "\(ran)")
        }

        @Test("run -d, exec, stop -t 2, rm")
        func detached() throws {
            let sandbox = try PodmanSandbox()
            defer { sandbox.tearDown() }
            let name = "oci-d-" + OCIInteropTests.token()
            let started = sandbox.run(["run", "-d", "--name", name, "--network", "none", PodmanSandbox.image, "sleep", "1000"])
            #expect(started.status == 0, "\(started)")
            let id = started.out
            try #require(id.count == 64 && id.allSatisfy(\.isHexDigit), "run -d printed no container ID: \(started)")

            let state = sandbox.run(["inspect", "--format", "{{.State.Status}} {{.State.Pid}}", name], timeout: 60)
            let fields = state.out.split(separator: " ")
            #expect(fields.first == "running", "\(state)")
            let pid = fields.count == 2 ? pid_t(fields[1]) ?? 0 : 0
            #expect(pid > 0 && Peer.commandLine(pid) == "sleep 1000", "container pid \(pid): \(state)")

            let hostname = sandbox.run(["exec", name, "cat", "/etc/hostname"])
            #expect(hostname.status == 0, "\(hostname)")
            #expect(hostname.out == String(id.prefix(12)), "\(hostname)")
            let echoed = sandbox.run(["exec", name, "echo", "fromexec"])
            #expect(echoed.status == 0 && echoed.out == "fromexec", "\(echoed)")
            let failed = sandbox.run(["exec", name, "sh", "-c", "exit 5"])
            #expect(failed.status == 5, "\(failed)")

            // sleep is the container's pid 1 and ignores SIGTERM: stop goes on to SIGKILL.
            let stopped = sandbox.run(["stop", "-t", "2", name])
            #expect(stopped.status == 0, "\(stopped)")
            let after = sandbox.run(["inspect", "--format", "{{.State.Status}}", name], timeout: 60)
            #expect(after.out == "exited", "\(after)")
            #expect(pid <= 0 || Peer.commandLine(pid) != "sleep 1000", "the container's process outlived stop")

            let removed = sandbox.run(["rm", name])
            #expect(removed.status == 0, "\(removed)")
            let listed = sandbox.run(["ps", "-a", "-q", "--no-trunc"], timeout: 60)
            #expect(listed.status == 0, "\(listed)")
            #expect(!listed.lines.contains(id), "ps -a still lists \(id): \(listed)")
        }

        @Test("--memory 64m sets the container's cgroup memory limit")
        func memoryLimit() throws {
            let sandbox = try PodmanSandbox()
            defer { sandbox.tearDown() }
            let file = Host.cgroupVersion == .v2 ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes"
            let limited = sandbox.runRm(["--memory", "64m"], "cat", file)
            #expect(limited.status == 0, "\(limited)")
            #expect(limited.out == "67108864", "\(file): \(limited)")
            let unlimited = sandbox.runRm([], "cat", file)
            #expect(unlimited.status == 0 && unlimited.out != "67108864", "without --memory, \(file): \(unlimited)")
        }
    }

    @Suite("containerd: ctr --runc-binary PATH (containerd-shim-runc-v2)", .serialized, .containerd)
    struct ContainerdRuntime {
        @Test("ctr run --rm prints the command's output and passes its exit code")
        func runRemove() throws {
            let containerd = try Containerd.require()
            let runtime = try requireOCIRuntime()
            let images = containerd.ctr(["images", "ls", "-q"])
            #expect(images.lines.contains(Containerd.image), "\(images)")

            let id = "oci-rm-" + OCIInteropTests.token()
            let ran = containerd.ctr(["run", "--rm"] + containerd.runArguments(runtime: runtime, id: id)
                                     + [Containerd.image, id, "echo", "hi"], timeout: 120)
            #expect(ran.status == 0, "\(ran)")
            #expect(ran.out == "hi", "\(ran)")
            let failing = id + "-3"
            let three = containerd.ctr(["run", "--rm"] + containerd.runArguments(runtime: runtime, id: failing)
                                       + [Containerd.image, failing, "sh", "-c", "exit 3"], timeout: 120)
            #expect(three.status == 3, "\(three)")

            let containers = containerd.ctr(["container", "ls", "-q"])
            #expect(containers.status == 0, "\(containers)")
            #expect(!containers.lines.contains(id) && !containers.lines.contains(failing), "run --rm left: \(containers)")
            let tasks = containerd.tasks()
            #expect(tasks[id] == nil && tasks[failing] == nil, "run --rm left tasks: \(tasks)")
        }

        @Test("ctr run -d, task exec, task kill -s SIGKILL, task delete, container delete")
        func detached() throws {
            let containerd = try Containerd.require()
            let runtime = try requireOCIRuntime()
            let id = "oci-d-" + OCIInteropTests.token()
            let started = containerd.ctr(["run", "-d"] + containerd.runArguments(runtime: runtime, id: id)
                                         + [Containerd.image, id, "sleep", "1000"], timeout: 120)
            #expect(started.status == 0, "\(started)")
            let task = try #require(containerd.tasks()[id], "ctr task ls does not list \(id) after run -d: \(started)")
            #expect(task.status == "RUNNING", "\(task)")
            #expect(task.pid > 0 && Peer.commandLine(task.pid) == "sleep 1000", "task pid \(task.pid)")
            let cgroups = Host.read("/proc/\(task.pid)/cgroup") ?? ""
            #expect(cgroups.contains(":/\(containerd.cgroupParent)/\(id)\n"), "not in the cgroup ctr asked for:\n\(cgroups)")

            let echoed = containerd.ctr(["task", "exec", "--exec-id", "e1", id, "echo", "inexec"])
            #expect(echoed.status == 0, "\(echoed)")
            #expect(echoed.out == "inexec", "\(echoed)")
            let failed = containerd.ctr(["task", "exec", "--exec-id", "e2", id, "sh", "-c", "exit 4"])
            #expect(failed.status == 4, "\(failed)")

            let killed = containerd.ctr(["task", "kill", "-s", "SIGKILL", id])
            #expect(killed.status == 0, "\(killed)")
            let stopped = Peer.poll(timeout: 30) { containerd.tasks()[id]?.status == "STOPPED" }
            #expect(stopped, "task \(id) not STOPPED 30 s after SIGKILL: \(containerd.tasks())")
            #expect(Peer.commandLine(task.pid) != "sleep 1000", "the task's process outlived SIGKILL")

            let deleted = containerd.ctr(["task", "delete", id])
            #expect(deleted.status == 0, "\(deleted)")
            #expect(containerd.tasks()[id] == nil, "\(containerd.tasks())")
            let removed = containerd.ctr(["container", "delete", id])
            #expect(removed.status == 0, "\(removed)")
            let containers = containerd.ctr(["container", "ls", "-q"])
            #expect(containers.status == 0 && !containers.lines.contains(id), "\(containers)")
        }
    }
}
