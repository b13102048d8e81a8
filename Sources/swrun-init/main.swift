import CSwrun
import Glibc
import SwrunInitCore
import SwrunOS

// swrun-init: started by `swrun` with its control socket on fd 3 and /dev/null on
// 0–2. It reads one InitConfig, clones the container process into new namespaces,
// reports "started" once that process has exec'd (its CLOEXEC end of a second socket
// closes), then stays as the container's monitor (Monitor.swift). Single-threaded by
// construction: no Foundation, no Dispatch.

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "hook" { runHook(CommandLine.arguments) }

// Runtime mode passes the control socket's fd as the first argument: fds from 3 up
// may be the container's (--preserve-fds).
let controlFD: Int32 = CommandLine.arguments.count > 1 ? Int32(CommandLine.arguments[1]) ?? 3 : 3
let control = SeqPacket(fd: controlFD)

func fail(_ report: InitReport) -> Never {
    try? control.send(report.encoded())
    exit(1)
}

func failSystem(_ step: String) -> Never {
    let err = sw_errno()
    fail(.failed(step: step, errno: err, message: "\(step): \(String(cString: strerror(err)))"))
}

guard let message = try? control.receive(), var config = try? InitConfig(decoding: message) else {
    fail(.failed(step: "init config", errno: EINVAL, message: "swrun-init: cannot read the container config"))
}

// The monitor must outlive its client and not die of a hangup or a broken pipe.
for sig in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT] { signal(sig, SIG_IGN) }
// SIGCHLD arrives through a signalfd, created before the child so none is missed.
var chld = sigset_t()
sigemptyset(&chld)
sigaddset(&chld, SIGCHLD)
sigprocmask(SIG_BLOCK, &chld, nil)
let signals = sw_signalfd(UInt64(1) << UInt64(SIGCHLD))
if signals < 0 { failSystem("signalfd") }

var cgroupFD: Int32 = -1
if !config.cgroupDirectory.isEmpty {
    cgroupFD = open(config.cgroupDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if cgroupFD < 0 { failSystem("open cgroup \(config.cgroupDirectory)") }
}

let stdio: ChildStdio
do {
    stdio = try ChildStdio(config: config)
} catch let failure as InitFailure {
    fail(.failed(step: failure.step, errno: failure.errno, message: failure.message))
} catch {
    fail(.failed(step: "stdio", errno: EIO, message: "stdio: \(error)"))
}

guard let (parentEnd, childEnd) = try? SeqPacket.pair() else { failSystem("socketpair") }

// Namespaces joined by path (a CRI pod's network namespace): opened here, on the
// host, and entered by the child; a PID namespace must be entered before clone.
var joinFDs: [(fd: Int32, flag: UInt64)] = []
for ns in config.joinNamespaces {
    let fd = open(ns.path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { failSystem("open namespace \(ns.path)") }
    if ns.flag == SW_CLONE_NEWPID {
        if sw_setns(fd, Int32(truncatingIfNeeded: SW_CLONE_NEWPID)) < 0 { failSystem("join pid namespace \(ns.path)") }
        close(fd)
    } else {
        joinFDs.append((fd, ns.flag))
    }
}

// On v1 the monitor moves the child into its cgroups, and the child unshares the cgroup
// namespace only after that, so the namespace's root is the container's cgroup.
var cloneFlags = config.namespaces
if cgroupFD < 0 { cloneFlags &= ~SW_CLONE_NEWCGROUP }
for ns in config.joinNamespaces { cloneFlags &= ~ns.flag }
// Runtime mode: the container is the caller's child, reaped by it (or by the shim
// that is its subreaper) once this helper and the caller have gone.
if config.runtimeMode { cloneFlags |= SW_CLONE_PARENT }

// exec: join a running container. A pidfd pins the process (no PID-reuse race once its
// cgroup shows the container); joining its PID namespace here makes the child born in it.
var joinFD: Int32 = -1
if config.joinPid > 0 {
    joinFD = sw_pidfd_open(config.joinPid, 0)
    if joinFD < 0 && sw_errno() == ENOSYS {
        fail(.failed(step: "join", errno: ENOSYS, message: "exec: this kernel lacks pidfd_open (Linux 5.3 or later)"))
    }
    let cgroups = (try? FileIO.readString("/proc/\(config.joinPid)/cgroup")) ?? ""
    if joinFD < 0 || !cgroups.contains(config.joinContainerID) {
        fail(.failed(step: "join", errno: ESRCH, message: "container \(config.joinContainerID.prefix(12)) is not running"))
    }
    if sw_setns(joinFD, Int32(truncatingIfNeeded: SW_CLONE_NEWPID)) < 0 { failSystem("setns pid namespace") }
    cloneFlags = config.runtimeMode ? SW_CLONE_PARENT : 0
}

// v1: the child moves itself into its cgroups, writing "0" to each hierarchy's
// `tasks` through fds opened here. A thread moving itself skips the kernel's global
// threadgroup lock, whose first write after an idle spell waits for an RCU grace period
// (5–15 ms here); writing the child's PID to cgroup.procs from here takes it.
var cgroupTasks: [Int32] = []
if !config.cgroupProcsFiles.isEmpty && config.cgroupProcsFiles.allSatisfy({ $0.hasSuffix("/cgroup.procs") }) {
    for file in config.cgroupProcsFiles {
        let fd = open(String(file.dropLast("cgroup.procs".count)) + "tasks", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // Not v1 after all (v2 has no tasks file): the monitor moves the child.
            cgroupTasks.forEach { close($0) }
            cgroupTasks = []
            break
        }
        cgroupTasks.append(fd)
    }
}
/// Whether the child waits for a word: the runtime's (hooks run meanwhile), or this
/// process's once it has moved the child into its cgroups.
@MainActor func childAwaitsWord() -> Bool {
    (config.runtimeMode && config.joinPid == 0) || (!config.cgroupProcsFiles.isEmpty && cgroupTasks.isEmpty)
}

var pid = sw_clone3(cloneFlags, cgroupFD, nil)
if pid < 0 && cgroupFD >= 0 && [EINVAL, E2BIG, ENOSYS].contains(sw_errno()) {
    // No CLONE_INTO_CGROUP (before Linux 5.7): clone outside, and join the cgroup as
    // on v1, the monitor writing the PID while the child waits to unshare its cgroupns.
    close(cgroupFD)
    cgroupFD = -1
    config.cgroupProcsFiles = [config.cgroupDirectory + "/cgroup.procs"]
    cloneFlags &= ~SW_CLONE_NEWCGROUP
    pid = sw_clone3(cloneFlags, -1, nil)
}
if pid < 0 {
    if sw_errno() == ENOSYS {
        fail(.failed(step: "clone3", errno: ENOSYS, message: "clone3: this kernel lacks clone3 (Linux 5.3 or later)"))
    }
    failSystem("clone3")
}
if pid == 0 {
    parentEnd.close()
    _ = close(controlFD)
    // A host directory fd must not reach the container (CVE-2024-21626).
    if cgroupFD >= 0 { close(cgroupFD) }
    runContainerProcess(config: config, sync: childEnd, stdio: stdio, joinFDs: joinFDs,
                        cgroupTasks: cgroupTasks, awaitsWord: childAwaitsWord(), joinPidfd: joinFD)
}
if joinFD >= 0 { close(joinFD) }
for (fd, _) in joinFDs { close(fd) }
cgroupTasks.forEach { close($0) }
childEnd.close()
stdio.closeChildEnds()
if cgroupFD >= 0 { close(cgroupFD) }

// A new user namespace: its maps, written from here (the parent namespace), before
// the child does anything as its root.
if config.createsUserNamespace && config.joinPid == 0 {
    for (file, maps) in [("uid_map", config.uidMappings), ("gid_map", config.gidMappings)] {
        let text = maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        do {
            try FileIO.writeExisting("/proc/\(pid)/\(file)", text)
        } catch {
            kill(pid, SIGKILL)
            fail(.failed(step: "user namespace", errno: EPERM, message: "write \(file) of the user namespace: \(error)"))
        }
    }
    let mapped: [UInt8] = [UInt8(ascii: "U")]
    _ = mapped.withUnsafeBytes { send(parentEnd.fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
}

// v1: move the child into its cgroups while it builds its root filesystem, then tell
// it to go on. (v2 put it there at birth with CLONE_INTO_CGROUP.)
if !config.cgroupProcsFiles.isEmpty && cgroupTasks.isEmpty {
    for file in config.cgroupProcsFiles {
        do {
            try FileIO.writeExisting(file, String(pid))
        } catch let error as SwrunError {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            fail(.failed(step: "join cgroup", errno: error.errno ?? EIO, message: "join cgroup: \(error.message)"))
        } catch {
            kill(pid, SIGKILL)
            fail(.failed(step: "join cgroup", errno: EIO, message: "join cgroup: \(error)"))
        }
    }
}
// Runtime mode: the runtime runs its createRuntime hooks while the child waits.
if config.runtimeMode && config.joinPid == 0 {
    let word = try? control.send(InitReport.created(pid: pid).encoded())
    if word == nil || (try? control.receive()) == nil {
        kill(pid, SIGKILL)
        exit(1)
    }
}
if childAwaitsWord() {
    let go: [UInt8] = [UInt8(ascii: "J")]
    _ = go.withUnsafeBytes { send(parentEnd.fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
}

// Until exec: the child may send the pty master (with -t), or a failure; end of file
// means its execve closed the socket.
var master: Int32 = -1
var buffer = [UInt8](repeating: 0, count: 65536)
while true {
    var fd: Int32 = -1
    let n = buffer.withUnsafeMutableBytes { sw_recv_with_fd(parentEnd.fd, $0.baseAddress, $0.count, &fd) }
    if n == 0 { break }
    if n < 0 { failSystem("receive from container") }
    if fd >= 0 && n == 1 && buffer[0] == UInt8(ascii: "T") {
        master = fd
        if config.runtimeMode {
            // runc's console socket protocol: the master, by SCM_RIGHTS, to the caller.
            let socket = sw_unix_connect(config.consoleSocket)
            let name = Array("/dev/ptmx".utf8)
            if socket < 0 || name.withUnsafeBytes({ sw_send_with_fd(socket, $0.baseAddress, $0.count, fd) }) < 0 {
                let err = sw_errno()
                kill(pid, SIGKILL)
                fail(.failed(step: "console socket", errno: err,
                             message: "send the terminal to \(config.consoleSocket): \(String(cString: strerror(err)))"))
            }
            close(socket)
            close(fd)
            master = -1
        }
        continue
    }
    // Runtime mode: set up and blocked on the exec FIFO until `start`.
    if n == 1 && buffer[0] == UInt8(ascii: "R") { break }
    if let report = try? InitReport(decoding: Array(buffer[0..<n])) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        fail(report)
    }
}
parentEnd.close()
// The monitor records `start` (before its client hears of it, and before any `die`
// of a container that ends at once).
if !config.runtimeMode && config.joinPid == 0 { Monitor.containerEvents(exitPath: config.exitPath)?.record(["start"]) }
// The attach socket exists before the client hears of the start (`run -d` then `attach`).
let listener = config.runtimeMode ? -1 : Monitor.listenForClients(config)
_ = try? control.send(InitReport.started(pid: pid).encoded())
if config.runtimeMode { exit(0) }

Monitor(config: config, pid: pid, control: controlFD, stdio: stdio, master: master, signals: signals, listener: listener).run()
