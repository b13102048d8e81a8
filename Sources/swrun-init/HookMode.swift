import CSwrun
import Glibc
import SwrunOS

/// `swrun-init hook PID WHERE PATH ARGS…`: runs one OCI hook in the namespaces of the
/// container whose init is PID (mount, UTS, IPC, network, cgroup and PID, so its
/// /proc/self resolves; not its user namespace), as the spec asks of createContainer
/// and startContainer hooks. It forks the hook into the PID namespace and exits with
/// its status. WHERE is
/// "runtime" (createContainer: PATH resolves on the host, opened before entering) or
/// "container" (startContainer: PATH resolves in the container). Its environment and
/// stdio are this process's own. On failure it prints one line and exits 127.
func runHook(_ arguments: [String]) -> Never {
    func die(_ message: String) -> Never {
        let line = Array(("swrun-init: hook: " + message + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(127)
    }
    guard arguments.count >= 5, let pid = Int32(arguments[2]) else { die("usage: hook PID runtime|container PATH ARGS…") }
    let path = arguments[4]
    var args = Array(arguments.dropFirst(5))
    if args.isEmpty { args = [path] }
    // Opened before entering, without CLOEXEC so a script's interpreter can read it.
    var binary: Int32 = -1
    if arguments[3] == "runtime" {
        binary = open(path, O_RDONLY)
        if binary < 0 { die("open \(path): \(String(cString: strerror(errno)))") }
    }
    let pidfd = sw_pidfd_open(pid, 0)
    if pidfd < 0 { die("the container's init \(pid): \(String(cString: strerror(errno)))") }
    let flags = SW_CLONE_NEWNS | SW_CLONE_NEWUTS | SW_CLONE_NEWIPC | SW_CLONE_NEWNET | SW_CLONE_NEWCGROUP | SW_CLONE_NEWPID
    if sw_setns(pidfd, Int32(truncatingIfNeeded: flags)) < 0 { die("enter the container: \(String(cString: strerror(errno)))") }
    close(pidfd)
    let child = fork()
    if child < 0 { die("fork: \(String(cString: strerror(errno)))") }
    if child > 0 {
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        exit(sw_wifsignaled(status) != 0 ? 128 + sw_wtermsig(status) : sw_wexitstatus(status))
    }
    let cArgs = args.map { strdup($0) } + [nil]
    if binary >= 0 {
        _ = sw_execveat_empty(binary, cArgs)
    } else {
        _ = execvp(path, cArgs)
    }
    die("exec \(path): \(String(cString: strerror(errno)))")
}
