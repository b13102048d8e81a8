import CSwrun
import Glibc
import SwrunOS

extension ContainerChild {
    /// `exec`: this process was born in the container's PID namespace; it joins the
    /// rest of its namespaces, waits to be moved into its cgroup, and takes the same
    /// confinement tail as the container's PID 1 (user, caps, seccomp, execve).
    func runJoined(pidfd: Int32) -> Never {
        do {
            // Not dumpable until execve: nothing in the container can open this
            // process's /proc/<pid>/exe (the CVE-2019-5736 class) or its fds.
            try check(kernel.prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0), "set not dumpable")
            try writeOOMScoreAdj()
            try joinOwnCgroups()
            kernel.umask(0o022)
            try stdio.installInChild()
            var flags = SW_CLONE_NEWNS | SW_CLONE_NEWUTS | SW_CLONE_NEWIPC | SW_CLONE_NEWNET | SW_CLONE_NEWCGROUP
            if config.createsUserNamespace { flags |= SW_CLONE_NEWUSER }
            try check(kernel.setns(pidfd, Int32(truncatingIfNeeded: flags)), "setns")
            kernel.close(pidfd)
            if config.createsUserNamespace { try becomeNamespaceRoot() }
            try awaitCgroupMove()
            try check(kernel.setsid(), "setsid")
            if config.tty { try setUpTerminal() }
            for limit in config.rlimits {
                try check(kernel.setrlimit(limit.resource, limit.soft, limit.hard), "setrlimit \(limit.resource)")
            }
            try setUpProcess()
            try execCommand()
        } catch let failure as InitFailure {
            try? sync.send(InitReport.failed(step: failure.step, errno: failure.errno, message: failure.message).encoded())
        } catch {
            try? sync.send(InitReport.failed(step: "exec", errno: EINVAL, message: "\(error)").encoded())
        }
        _exit(1)
    }
}
