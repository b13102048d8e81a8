import Foundation
import Glibc
import Testing

/// `swrun-oci` (or `SWRUN_OCI_BIN`) driven directly, as runc's callers drive runc: each
/// test has its own bundle (the busybox fixture, a config.json from `swrun-oci spec`)
/// and its own `--root`, and leaves no state, cgroup, process or mount behind
/// (`OCIBundle.tearDown`). Status changes are waited for by polling `state` with a
/// deadline; every command runs with a timeout. Bad input: OCIRuntimeTests+Errors.swift;
/// hooks: OCIRuntimeTests+Hooks.swift.
@Suite("swrun-oci: runc's command line", .serialized)
struct OCIRuntimeTests {
    /// The `pid` member of a state document.
    static func pid(_ state: [String: Any]?) -> pid_t? {
        (state?["pid"] as? Int).map { pid_t($0) }
    }

    /// A pid file as runc writes it: decimal digits and nothing else (no newline).
    static func readPidFile(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> pid_t {
        let text = try #require(Host.read(path), "no pid file at \(path)", sourceLocation: sourceLocation)
        #expect(!text.isEmpty && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) },
                "pid file is not bare decimal digits: \(text.debugDescription)", sourceLocation: sourceLocation)
        return try #require(pid_t(text), "pid file: \(text.debugDescription)", sourceLocation: sourceLocation)
    }

    /// `ps --format json ID`, decoded.
    static func pids(_ bundle: OCIBundle, sourceLocation: SourceLocation = #_sourceLocation) -> [pid_t] {
        let listed = bundle.oci(["ps", "--format", "json", bundle.id])
        #expect(listed.status == 0, "ps: \(listed)", sourceLocation: sourceLocation)
        let array = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8))) as? [Int]
        #expect(array != nil, "ps --format json printed no JSON array of numbers: \(listed)", sourceLocation: sourceLocation)
        return (array ?? []).map { pid_t($0) }
    }

    /// create + start, waiting for "running"; the init's pid.
    static func startRunning(_ bundle: OCIBundle, sourceLocation: SourceLocation = #_sourceLocation) throws -> pid_t {
        try bundle.create(sourceLocation: sourceLocation)
        let started = bundle.oci(["start", bundle.id])
        try #require(started.status == 0, "start: \(started)", sourceLocation: sourceLocation)
        let status = bundle.waitForStatus("running")
        try #require(status == "running", "status after start: \(status ?? "none")", sourceLocation: sourceLocation)
        return try #require(pid(bundle.state()), "no pid in state", sourceLocation: sourceLocation)
    }

    // MARK: version, features, spec

    @Test("--version prints the runtime's version, then the spec version; features is JSON")
    func versionAndFeatures() throws {
        let binary = try requireOCIRuntime()
        let version = Peer.run([binary, "--version"], timeout: 30)
        #expect(version.status == 0, "\(version)")
        let prefix = "swrun-oci version "
        #expect(version.lines.count == 2, "\(version)")
        #expect(version.lines.first.map { $0.hasPrefix(prefix) && $0.count > prefix.count } == true, "\(version)")
        #expect(version.lines.dropFirst().first == "spec: 1.2.0", "\(version)")

        let features = Peer.run([binary, "features"], timeout: 30)
        #expect(features.status == 0, "\(features)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(features.stdout.utf8)) as? [String: Any],
                                  "features is no JSON object: \(features)")
        #expect(object["ociVersionMax"] as? String == "1.2.0", "\(features)")
        #expect(object["ociVersionMin"] is String, "\(features)")
        let hooks = Set(object["hooks"] as? [String] ?? [])
        #expect(hooks == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
                "\(hooks)")
        let namespaces = Set(object[path: "linux.namespaces"] as? [String] ?? [])
        #expect(namespaces.isSuperset(of: ["mount", "pid", "network", "ipc", "uts"]), "\(namespaces)")
    }

    @Test("spec writes runc's default config.json and refuses to overwrite one")
    func spec() throws {
        let binary = try requireOCIRuntime()
        let scratch = try ScratchDirectory("swrun-oci-spec")
        defer { _ = scratch.release() }
        let made = Peer.run([binary, "spec", "--bundle", scratch.path], timeout: 30)
        #expect(made.status == 0, "\(made)")
        let path = scratch.path + "/config.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(config["ociVersion"] as? String == "1.2.0")
        #expect(config[path: "process.args"] as? [String] == ["sh"])
        #expect(config[path: "process.terminal"] as? Bool == true)
        #expect(config[path: "root.path"] as? String == "rootfs")
        let namespaces = (config[path: "linux.namespaces"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
        #expect(Set(namespaces).isSuperset(of: ["pid", "mount", "network", "ipc", "uts"]), "\(namespaces)")

        let again = Peer.run([binary, "spec", "--bundle", scratch.path], timeout: 30)
        #expect(again.status == 1, "\(again)")
        #expect(again.err.hasPrefix("swrun-oci: ") && again.err.contains("exists"), "\(again)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == data, "spec overwrote config.json")
    }

    // MARK: create, start, state, kill, delete

    @Test("create leaves the init blocked before the command; start runs it; kill stops it; delete removes it")
    func lifecycle() throws {
        let bundle = try OCIBundle(["sh", "-c", "touch /started; exec sleep 1000"])
        defer { bundle.tearDown() }
        try bundle.configure { $0[path: "root.readonly"] = false }
        let pidFile = bundle.base + "/init.pid"
        try bundle.create(["--pid-file", pidFile])

        let pid = try Self.readPidFile(pidFile)
        #expect(OCIBundle.isAlive(pid), "the init \(pid) is not alive after create")
        let state = try #require(bundle.state(), "state after create")
        #expect(state["ociVersion"] as? String == "1.2.0", "\(state)")
        #expect(state["id"] as? String == bundle.id, "\(state)")
        #expect(state["status"] as? String == "created", "\(state)")
        #expect(Self.pid(state) == pid, "state pid vs pid file \(pid): \(state)")
        #expect(state["bundle"] as? String == bundle.path, "\(state)")
        // The init is in namespaces of its own and in the cgroup cgroupsPath names, but
        // has not run the command.
        for kind in ["mnt", "pid", "uts", "ipc", "net"] {
            let own = OCIBundle.namespace(kind, of: getpid())
            let its = OCIBundle.namespace(kind, of: pid)
            #expect(its != nil && its != own, "\(kind) namespace of the init: \(its ?? "?") (the test's: \(own ?? "?"))")
        }
        #expect(bundle.processesInCgroup() == [pid], "processes in \(bundle.cgroupsPath): \(bundle.processesInCgroup())")
        #expect(!bundle.remainingCgroups().isEmpty, "no cgroup at \(bundle.cgroupsPath) after create")
        #expect(!Host.exists(bundle.rootfs + "/started"), "the command ran before start")
        #expect(bundle.oci(["list", "-q"]).lines == [bundle.id])

        let started = bundle.oci(["start", bundle.id])
        #expect(started.status == 0, "\(started)")
        #expect(bundle.waitForStatus("running") == "running")
        #expect(Peer.poll(timeout: 30) { Host.exists(bundle.rootfs + "/started") }, "the command did not run after start")
        // The command runs as the init itself: same pid.
        #expect(Peer.poll(timeout: 30) { Peer.commandLine(pid) == "sleep 1000" },
                "pid \(pid) is \(Peer.commandLine(pid) ?? "gone")")
        #expect(Self.pid(bundle.state()) == pid)
        #expect(Self.pids(bundle).contains(pid), "ps --format json lacks the init \(pid)")

        let killed = bundle.oci(["kill", bundle.id, "KILL"])
        #expect(killed.status == 0, "\(killed)")
        #expect(bundle.waitForStatus("stopped") == "stopped")
        #expect(!OCIBundle.isAlive(pid))

        let deleted = bundle.oci(["delete", bundle.id])
        #expect(deleted.status == 0, "\(deleted)")
        let gone = bundle.oci(["state", bundle.id])
        #expect(gone.status == 1 && gone.err == "swrun-oci: container \(bundle.id) does not exist", "\(gone)")
        #expect(bundle.storeEntries().isEmpty, "state dir after delete: \(bundle.storeEntries())")
        #expect(bundle.remainingCgroups().isEmpty, "cgroups after delete: \(bundle.remainingCgroups())")
    }

    @Test("a container whose command exits is stopped, and delete needs no --force")
    func exitedIsStopped() throws {
        let bundle = try OCIBundle(["true"])
        defer { bundle.tearDown() }
        try bundle.create()
        #expect(bundle.status() == "created")
        let started = bundle.oci(["start", bundle.id])
        #expect(started.status == 0, "\(started)")
        #expect(bundle.waitForStatus("stopped") == "stopped")
        let deleted = bundle.oci(["delete", bundle.id])
        #expect(deleted.status == 0, "\(deleted)")
        #expect(bundle.storeEntries().isEmpty)
        #expect(bundle.remainingCgroups().isEmpty)
    }

    @Test("delete refuses a created container without --force; --force kills the init and removes it")
    func deleteCreated() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        try bundle.create()
        let pid = try #require(Self.pid(bundle.state()))

        let refused = bundle.oci(["delete", bundle.id])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.err == "swrun-oci: cannot delete container \(bundle.id) that is not stopped: created", "\(refused)")
        #expect(bundle.status() == "created" && OCIBundle.isAlive(pid))

        let forced = bundle.oci(["delete", "--force", bundle.id])
        #expect(forced.status == 0, "\(forced)")
        #expect(Peer.poll(timeout: 10) { !OCIBundle.isAlive(pid) }, "the init \(pid) outlived delete --force")
        #expect(bundle.storeEntries().isEmpty)
        #expect(bundle.remainingCgroups().isEmpty, "\(bundle.remainingCgroups())")
    }

    // MARK: run

    @Test("run waits for the process, passes on its output and exit code, and deletes the container",
          arguments: [0, 7, 255])
    func runExitCode(code: Int) throws {
        let bundle = try OCIBundle(["sh", "-c", "echo out-$((\(code) + 1)); exit \(code)"])
        defer { bundle.tearDown() }
        let ran = bundle.oci(["run", "--bundle", bundle.path, bundle.id])
        #expect(ran.status == Int32(code), "\(ran)")
        #expect(ran.out == "out-\(code + 1)", "\(ran)")
        #expect(bundle.oci(["list", "-q"]).lines.isEmpty)
        #expect(bundle.storeEntries().isEmpty, "\(bundle.storeEntries())")
        #expect(bundle.remainingCgroups().isEmpty, "\(bundle.remainingCgroups())")
    }

    @Test("run --keep leaves the stopped container for delete")
    func runKeep() throws {
        let bundle = try OCIBundle(["sh", "-c", "exit 3"])
        defer { bundle.tearDown() }
        let ran = bundle.oci(["run", "--keep", "--bundle", bundle.path, bundle.id])
        #expect(ran.status == 3, "\(ran)")
        let state = bundle.state()
        #expect(state?["status"] as? String == "stopped", "\(state ?? [:])")
        #expect(state?["id"] as? String == bundle.id)
        let deleted = bundle.oci(["delete", bundle.id])
        #expect(deleted.status == 0, "\(deleted)")
        #expect(bundle.storeEntries().isEmpty)
        #expect(bundle.remainingCgroups().isEmpty)
    }

    @Test("run --detach returns at once with the container running")
    func runDetach() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        let pidFile = bundle.base + "/run.pid"
        let ran = bundle.oci(["run", "--detach", "--pid-file", pidFile, "--bundle", bundle.path, bundle.id], timeout: 30)
        #expect(ran.status == 0 && !ran.timedOut, "\(ran)")
        let state = bundle.state()
        #expect(state?["status"] as? String == "running", "\(state ?? [:])")
        let pid = try Self.readPidFile(pidFile)
        #expect(Self.pid(state) == pid)
        #expect(Peer.commandLine(pid) == "sleep 1000")
        #expect(bundle.oci(["kill", bundle.id, "KILL"]).status == 0)
        #expect(bundle.waitForStatus("stopped") == "stopped")
        #expect(bundle.oci(["delete", bundle.id]).status == 0)
        #expect(bundle.storeEntries().isEmpty)
    }

    /// sh traps TERM and USR1 (pid 1 of its namespace ignores signals it has no handler
    /// for), says it is ready, and waits; `run` reports how it ended.
    @Test("kill takes signal names and numbers; run exits as the process did",
          arguments: [("TERM", 42), ("SIGTERM", 42), ("15", 42), ("USR1", 43), ("SIGUSR1", 43), ("KILL", 137), ("9", 137)])
    func killSignal(signal: String, expected: Int) throws {
        let bundle = try OCIBundle([
            "sh", "-c", "trap 'exit 42' TERM; trap 'exit 43' USR1; touch /ready; sleep 1000 & wait",
        ])
        defer { bundle.tearDown() }
        try bundle.configure { $0[path: "root.readonly"] = false }
        let run = try bundle.background(["run", "--bundle", bundle.path, bundle.id])
        let ready = Peer.poll(timeout: 30) { Host.exists(bundle.rootfs + "/ready") }
        guard ready else {
            Issue.record("the container never got ready: \(run.wait(timeout: 5))")
            return
        }
        let killed = bundle.oci(["kill", bundle.id, signal])
        #expect(killed.status == 0, "\(killed)")
        let ran = run.wait(timeout: 30)
        #expect(ran.status == Int32(expected), "kill \(signal): \(ran)")
        #expect(bundle.storeEntries().isEmpty, "run left \(bundle.storeEntries())")
    }

    // MARK: exec

    @Test("exec runs a process in the container: its output, its exit code, the container's namespaces")
    func exec() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        let hostname = "h-" + OCIBundle.token()
        try bundle.configure { $0["hostname"] = hostname }
        let pid = try Self.startRunning(bundle)

        let echoed = bundle.oci(["exec", bundle.id, "sh", "-c", "echo from-exec $(hostname); exit 5"])
        #expect(echoed.status == 5, "\(echoed)")
        #expect(echoed.out == "from-exec \(hostname)", "\(echoed)")
        // Flags after the command are the command's.
        let flags = bundle.oci(["exec", bundle.id, "echo", "--version", "-d"])
        #expect(flags.status == 0 && flags.out == "--version -d", "\(flags)")
        // The container's pid namespace: its init is pid 1 there.
        let one = bundle.oci(["exec", bundle.id, "cat", "/proc/1/cmdline"])
        #expect(one.status == 0 && one.stdout.split(separator: "\0") == ["sleep", "1000"], "\(one)")
        #expect(OCIBundle.isAlive(pid))
    }

    @Test("exec --process runs the process described by a JSON file")
    func execProcessFile() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        _ = try Self.startRunning(bundle)
        let process: [String: Any] = [
            "terminal": false,
            "user": ["uid": 0, "gid": 0],
            "args": ["sh", "-c", "echo $GREETING $(pwd); exit 3"],
            "env": ["PATH=/usr/bin:/bin", "GREETING=hi-process"],
            "cwd": "/etc",
        ]
        let path = bundle.base + "/process.json"
        try JSONSerialization.data(withJSONObject: process).write(to: URL(fileURLWithPath: path))
        let ran = bundle.oci(["exec", "--process", path, bundle.id])
        #expect(ran.status == 3, "\(ran)")
        #expect(ran.out == "hi-process /etc", "\(ran)")
    }

    @Test("exec --detach --pid-file; ps lists it; kill --all signals every process")
    func execDetached() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        let initPid = try Self.startRunning(bundle)
        let pidFile = bundle.base + "/exec.pid"
        let detached = bundle.oci(["exec", "--detach", "--pid-file", pidFile, bundle.id, "sleep", "999"], timeout: 30)
        #expect(detached.status == 0 && !detached.timedOut, "\(detached)")
        let execPid = try Self.readPidFile(pidFile)
        #expect(Peer.commandLine(execPid) == "sleep 999", "exec pid \(execPid): \(Peer.commandLine(execPid) ?? "gone")")
        for kind in ["mnt", "pid", "uts", "ipc", "net"] {
            #expect(OCIBundle.namespace(kind, of: execPid) == OCIBundle.namespace(kind, of: initPid), "\(kind) namespace")
        }
        let listed = Self.pids(bundle)
        #expect(listed.contains(initPid) && listed.contains(execPid), "ps --format json: \(listed), init \(initPid), exec \(execPid)")

        // TERM: the exec'd sleep dies of it; the init, pid 1 of its namespace without a
        // handler, ignores it. Only --all reaches the exec'd one.
        let all = bundle.oci(["kill", "--all", bundle.id, "TERM"])
        #expect(all.status == 0, "\(all)")
        #expect(Peer.poll(timeout: 20) { !OCIBundle.isAlive(execPid) }, "kill --all TERM did not reach the exec'd process")
        #expect(bundle.status() == "running")
        #expect(bundle.oci(["kill", bundle.id, "KILL"]).status == 0)
        #expect(bundle.waitForStatus("stopped") == "stopped")
    }

    // MARK: pause, resume, update

    @Test("pause freezes the container (status paused), resume thaws it")
    func pauseResume() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        _ = try Self.startRunning(bundle)
        let freezeFile = Host.cgroupVersion == .v2 ? bundle.cgroupFile("", "cgroup.freeze") : bundle.cgroupFile("freezer", "freezer.state")
        let (frozen, thawed) = Host.cgroupVersion == .v2 ? ("1", "0") : ("FROZEN", "THAWED")

        let paused = bundle.oci(["pause", bundle.id])
        #expect(paused.status == 0, "\(paused)")
        #expect(bundle.status() == "paused")
        #expect(Host.read(freezeFile)?.trimmingCharacters(in: .whitespacesAndNewlines) == frozen, "\(freezeFile)")
        let refused = bundle.oci(["exec", bundle.id, "true"])
        #expect(refused.status == 1 && refused.err.hasPrefix("swrun-oci: ") && refused.err.contains("paused"), "\(refused)")

        let resumed = bundle.oci(["resume", bundle.id])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(bundle.status() == "running")
        #expect(Host.read(freezeFile)?.trimmingCharacters(in: .whitespacesAndNewlines) == thawed, "\(freezeFile)")
        let echoed = bundle.oci(["exec", bundle.id, "echo", "thawed"])
        #expect(echoed.status == 0 && echoed.out == "thawed", "\(echoed)")
        let again = bundle.oci(["resume", bundle.id])
        #expect(again.status == 1 && again.err.contains("not paused"), "\(again)")
    }

    @Test("update --memory and --resources write the container's cgroup limits")
    func update() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        _ = try Self.startRunning(bundle)
        let memory = Host.cgroupVersion == .v2 ? bundle.cgroupFile("memory", "memory.max") : bundle.cgroupFile("memory", "memory.limit_in_bytes")
        let pids = bundle.cgroupFile("pids", "pids.max")
        func read(_ path: String) -> String { Host.read(path)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "(none)" }
        #expect(read(memory) != "67108864", "\(memory) is 64m before update")

        let updated = bundle.oci(["update", "--memory", "64m", bundle.id])
        #expect(updated.status == 0, "\(updated)")
        #expect(read(memory) == "67108864", "\(memory)")

        let resources = bundle.base + "/resources.json"
        try Data(#"{"memory": {"limit": 33554432}, "pids": {"limit": 77}}"#.utf8).write(to: URL(fileURLWithPath: resources))
        let fromFile = bundle.oci(["update", "--resources", resources, bundle.id])
        #expect(fromFile.status == 0, "\(fromFile)")
        #expect(read(memory) == "33554432", "\(memory)")
        #expect(read(pids) == "77", "\(pids)")
        #expect(bundle.status() == "running")
    }

    // MARK: terminal, descriptors

    @Test("terminal: the pty master comes over --console-socket and is the command's tty")
    func consoleSocket() throws {
        let bundle = try OCIBundle(["sh", "-c", "tty; echo ok"])
        defer { bundle.tearDown() }
        try bundle.configure { $0[path: "process.terminal"] = true }
        let listener = try ConsoleSocketListener(path: bundle.base + "/console.sock")
        let create = try bundle.background(["create", "--bundle", bundle.path, "--console-socket", listener.path, bundle.id])
        let received: (fd: Int32, message: String)
        do {
            received = try listener.receiveDescriptor(timeout: 30)
        } catch {
            Issue.record("no pty master on the console socket: \(error); create: \(create.wait(timeout: 10))")
            return
        }
        let master = received.fd
        defer { close(master) }
        let created = create.wait(timeout: 60)
        try #require(created.status == 0, "create: \(created)")
        #expect(isatty(master) == 1, "the descriptor received is no terminal")
        #expect(bundle.status() == "created")

        let started = bundle.oci(["start", bundle.id])
        #expect(started.status == 0, "\(started)")
        let output = ConsoleSocketListener.read(master, timeout: 30) { $0.contains("ok\r\n") || $0.contains("ok\n") }
        let lines = output.utf8.split(separator: UInt8(ascii: "\n"))
            .map { String(decoding: $0.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self) }
        #expect(lines.contains("/dev/pts/0"), "terminal output: \(output.debugDescription)")
        #expect(lines.contains("ok"), "terminal output: \(output.debugDescription)")
        #expect(bundle.waitForStatus("stopped") == "stopped")
        #expect(bundle.oci(["delete", bundle.id]).status == 0)
    }

    @Test("--preserve-fds N passes descriptors 3…3+N-1 to the container's process; without it none")
    func preserveFDs() throws {
        let bundle = try OCIBundle(["sh", "-c", "echo kept >&3"])
        defer { bundle.tearDown() }
        let target = bundle.base + "/fd3.txt"
        func run(_ flags: String) -> CommandResult {
            let line = "exec 3>>\(Peer.shellQuoted(target)); exec \(Peer.shellQuoted(bundle.binary)) --root \(Peer.shellQuoted(bundle.root)) run \(flags) --bundle \(Peer.shellQuoted(bundle.path)) \(bundle.id)"
            return Peer.run(["/bin/sh", "-c", line], timeout: OCIBundle.commandTimeout)
        }
        let kept = run("--preserve-fds 1")
        #expect(kept.status == 0, "\(kept)")
        #expect(Host.read(target) == "kept\n", "\(target): \(Host.read(target) ?? "none")")

        let closed = run("")
        #expect(closed.status != 0, "fd 3 reached the container without --preserve-fds: \(closed)")
        #expect(Host.read(target) == "kept\n", "\(target): \(Host.read(target) ?? "none")")
        #expect(bundle.storeEntries().isEmpty)
    }

    // MARK: list, global flags, systemd cgroups

    @Test("list (table, -q, --format json); global flags anywhere on the line")
    func listAndGlobalFlags() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        try bundle.create()
        let pid = try #require(Self.pid(bundle.state()))

        let quiet = bundle.oci(["list", "-q"])
        #expect(quiet.status == 0 && quiet.lines == [bundle.id], "\(quiet)")
        let json = bundle.oci(["list", "--format", "json"])
        #expect(json.status == 0, "\(json)")
        let entries = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [[String: Any]] ?? []
        #expect(entries.count == 1, "\(json)")
        #expect(entries.first?["id"] as? String == bundle.id && entries.first?["status"] as? String == "created", "\(json)")
        #expect(Self.pid(entries.first) == pid, "\(json)")
        let table = bundle.oci(["list"])
        #expect(table.lines.first?.hasPrefix("ID") == true, "\(table)")
        let row = table.lines.dropFirst().first?.split(separator: " ").map(String.init) ?? []
        #expect(row.prefix(3) == [bundle.id, String(pid), "created"], "\(table)")

        // --root after the command, and as --root=DIR.
        let after = Peer.run([bundle.binary, "state", bundle.id, "--root", bundle.root], timeout: 30)
        #expect(after.status == 0 && after.stdout.contains("\"\(bundle.id)\""), "\(after)")
        let inline = Peer.run([bundle.binary, "--root=" + bundle.root, "list", "-q"], timeout: 30)
        #expect(inline.status == 0 && inline.lines == [bundle.id], "\(inline)")
        // Another root knows nothing of it.
        let other = Peer.run([bundle.binary, "--root", bundle.base + "/other", "list", "-q"], timeout: 30)
        #expect(other.status == 0 && other.lines.isEmpty, "\(other)")
    }

    @Test("--systemd-cgroup: cgroupsPath slice:prefix:name is the cgroup systemd would make")
    func systemdCgroup() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        // systemd nests a slice in the slices its dashes name: a-b.slice is a.slice/a-b.slice.
        let slice = "swocitest-\(OCIBundle.token()).slice"
        let scope = "swtest-\(bundle.id).scope"
        let relative = ["swocitest.slice", slice, scope]
        try bundle.configure { $0[path: "linux.cgroupsPath"] = "\(slice):swtest:\(bundle.id)" }
        let bases = OCIBundle.hierarchies
        let directories = bases.map { ([$0] + relative).joined(separator: "/") }
        let checked = Host.cgroupVersion == .v2 ? directories
            : ["memory", "pids"].map { ([Host.cgroupRoot, $0] + relative).joined(separator: "/") }
        defer {
            // Deepest first, in every hierarchy; a directory still in use stays.
            for base in bases {
                for depth in stride(from: relative.count, to: 0, by: -1) {
                    rmdir(([base] + relative.prefix(depth)).joined(separator: "/"))
                }
            }
        }
        let created = bundle.oci(["--systemd-cgroup", "create", "--bundle", bundle.path, bundle.id])
        try #require(created.status == 0, "\(created)")
        let pid = try #require(Self.pid(bundle.state()))
        for directory in checked {
            let procs = Host.read(directory + "/cgroup.procs") ?? "(no cgroup)"
            #expect(procs.split(separator: "\n").contains(Substring(String(pid))), "\(directory)/cgroup.procs: \(procs)")
        }
        let deleted = bundle.oci(["delete", "--force", bundle.id])
        #expect(deleted.status == 0, "\(deleted)")
        #expect(directories.filter { Host.exists($0) }.isEmpty, "left: \(directories.filter { Host.exists($0) })")
    }
}
