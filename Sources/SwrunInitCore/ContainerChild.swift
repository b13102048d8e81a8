import CSwrun
import Glibc
import SwrunOS

/// The container process between `clone3` and `execve`: builds its root filesystem,
/// confines itself, and execs the command. Any failure is sent to the parent as an
/// `InitReport.failed` naming the step, then the process exits. Its steps make their
/// system calls through `kernel`: `LinuxSyscalls` in swrun-init, a recorder in tests.
final class ContainerChild<Kernel: InitSyscalls> {
    let kernel: Kernel
    let config: InitConfig
    let sync: SeqPacket
    let stdio: ChildStdio
    /// Detached clones of the bind mount sources, one per `config.mounts` entry (-1 for
    /// non-bind mounts), taken before `pivot_root` hides the host.
    var bindTrees: [Int32] = []
    /// Read-only bind destinations to remount once attached (kernels without mount_setattr).
    var remountReadOnly: Set<String> = []
    /// The command's environment: the config's plus HOME and PATH defaults.
    var environment: [String] = []
    /// Namespaces to enter (opened by the parent on the host).
    let joinFDs: [(fd: Int32, flag: UInt64)]
    /// In a user namespace, where mknod is refused: detached clones of the host's
    /// device nodes, by container path, bound onto empty files in /dev instead.
    var deviceTrees: [String: Int32] = [:]
    /// In a user namespace: sysfs, mounted before pivot_root and attached after /dev.
    var sysTree: Int32 = -1
    /// The exec FIFO, opened O_PATH while the host is visible (runtime mode).
    var execFifoFD: Int32 = -1
    /// Runtime mode: the parent has gone once this process says it is ready, so later
    /// failures go to the caller's stderr instead.
    var parentGone = false

    /// v1: the `tasks` file of each of its cgroups, opened by the parent; the process
    /// moves itself (see main.swift). Empty when the parent moves it, or on v2.
    let cgroupTasks: [Int32]
    /// Whether to wait for the parent's word before the cgroup namespace (and, in
    /// runtime mode, before pivot_root).
    let awaitsWord: Bool

    init(kernel: Kernel, config: InitConfig, sync: SeqPacket, stdio: ChildStdio, joinFDs: [(fd: Int32, flag: UInt64)] = [],
         cgroupTasks: [Int32] = [], awaitsWord: Bool) {
        self.kernel = kernel
        self.config = config
        self.sync = sync
        self.stdio = stdio
        self.joinFDs = joinFDs
        self.cgroupTasks = cgroupTasks
        self.awaitsWord = awaitsWord
    }

    func run() -> Never {
        do {
            try setUp()
            try execCommand()
        } catch let failure as InitFailure {
            report(failure)
        } catch {
            report(InitFailure("setup", errno: EINVAL, message: "\(error)"))
        }
        _exit(1)
    }

    /// Sends a failure to the parent, or once it has gone, to stderr.
    func report(_ failure: InitFailure) {
        if parentGone {
            let line = Array(("swrun-oci: " + failure.message + "\n").utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        } else {
            try? sync.send(InitReport.failed(step: failure.step, errno: failure.errno, message: failure.message).encoded())
        }
    }

    private func setUp() throws {
        try joinOwnCgroups()
        kernel.umask(0)
        try stdio.installInChild()
        for (fd, flag) in joinFDs {
            try check(kernel.setns(fd, Int32(truncatingIfNeeded: flag)), "join namespace")
            kernel.close(fd)
        }
        if config.createsUserNamespace {
            try awaitByte("U", step: "user namespace maps")
            try becomeNamespaceRoot()
        }
        try check(kernel.setsid(), "setsid")
        try setUpFilesystems()
        if config.namespaces & SW_CLONE_NEWUTS != 0 && !config.hostname.isEmpty {
            try check(kernel.sethostname(config.hostname), "sethostname")
        }
        if config.namespaces & SW_CLONE_NEWUTS != 0 && !config.domainname.isEmpty {
            try check(kernel.setdomainname(config.domainname), "setdomainname")
        }
        if config.namespaces & SW_CLONE_NEWNET != 0 {
            try check(kernel.setLoopbackUp(), "set lo up")
        }
        for limit in config.rlimits {
            try check(kernel.setrlimit(limit.resource, limit.soft, limit.hard), "setrlimit \(limit.resource)")
        }
        try setUpProcess()
    }

    /// The container's file system view, in the order of runc's: the root and
    /// `pivot_root` into it, /proc, /dev, /sys and the cgroup tree inside it, the
    /// sysctls (while /proc/sys is writable), the terminal, the spec's mounts, then
    /// masked and read-only paths over them, and / read-only last.
    func setUpFilesystems() throws {
        try setUpRootfs()
        try setUpKernelFilesystems()
        try writeKernelSettings()
        if config.tty { try setUpTerminal() }
        try setUpMounts()
        try maskPaths()
        if config.readonlyRootfs {
            try check(kernel.mount(nil, "/", nil, UInt(MountFlags.bind | MountFlags.remount | MountFlags.readOnly), nil), "remount / read-only")
        }
    }

    /// v1: moves this (single-threaded) process into its cgroups by writing "0" to
    /// each `tasks` file, and closes them: no host fd reaches the container.
    func joinOwnCgroups() throws {
        defer { cgroupTasks.forEach { kernel.close($0) } }
        for fd in cgroupTasks {
            try check(Int32(kernel.write(fd, [UInt8(ascii: "0")])), "join cgroup")
        }
    }

    /// v1: once in its cgroups (moved by itself, or by the parent while it built its
    /// root, whose word it waits for), enter a new cgroup namespace rooted there.
    func awaitCgroupJoin() throws {
        try awaitCgroupMove()
        if !config.cgroupProcsFiles.isEmpty && config.namespaces & SW_CLONE_NEWCGROUP != 0 {
            try check(kernel.unshare(Int32(truncatingIfNeeded: SW_CLONE_NEWCGROUP)), "unshare cgroup namespace")
        }
    }

    /// Blocks until the parent's word, when there is one to wait for.
    func awaitCgroupMove() throws {
        guard awaitsWord else { return }
        try awaitByte("J", step: "join cgroup")
    }

    /// Blocks until the monitor sends `letter` on the sync socket.
    func awaitByte(_ letter: Unicode.Scalar, step: String) throws {
        var byte: UInt8 = 0
        let n = recv(sync.fd, &byte, 1, 0)
        if n != 1 || byte != UInt8(ascii: letter) {
            throw InitFailure(step, errno: n < 0 ? sw_errno() : EPIPE)
        }
    }

    /// In a new user namespace this process starts as an unmapped uid: it takes the
    /// namespace's uid and gid 0 (keeping its capabilities there), as runc does.
    func becomeNamespaceRoot() throws {
        try check(kernel.setresgid(0), "setresgid 0 in the user namespace")
        try check(kernel.setresuid(0), "setresuid 0 in the user namespace")
    }
}

/// Runs the container process on the running kernel (`runJoined` for `exec` when
/// `joinPidfd` is one). Made here, in this module, where every step is specialised
/// for `LinuxSyscalls`.
package func runContainerProcess(config: InitConfig, sync: SeqPacket, stdio: ChildStdio, joinFDs: [(fd: Int32, flag: UInt64)],
                                 cgroupTasks: [Int32], awaitsWord: Bool, joinPidfd: Int32) -> Never {
    let child = ContainerChild(kernel: LinuxSyscalls(), config: config, sync: sync, stdio: stdio, joinFDs: joinFDs,
                               cgroupTasks: cgroupTasks, awaitsWord: awaitsWord)
    if joinPidfd >= 0 { child.runJoined(pidfd: joinPidfd) }
    child.run()
}
