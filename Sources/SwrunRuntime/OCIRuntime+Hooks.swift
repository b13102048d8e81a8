import CSwrun
import FoundationEssentials
import Glibc
import SwrunOCI
import SwrunOS

/// Where a hook runs: in the runtime's namespaces, or in those of the container whose
/// init is `pid` (its path resolved there or on the host).
enum HookPlace {
    case runtime
    case container(pid: Int32, resolveInContainer: Bool)
}

extension OCIRuntime {
    /// Runs one OCI hook: `path` with `args` (args[0] is its argv[0]) and exactly
    /// `env`, the state JSON on its stdin, its output on this process's stderr. It
    /// fails on a non-zero exit or after `timeout` seconds (then it is killed).
    static func run(_ hook: RuntimeSpec.Hook, state: RuntimeState, in place: HookPlace = .runtime) throws {
        let json = try state.encoded(pretty: false)
        var fds: [Int32] = [-1, -1]
        guard sw_pipe_cloexec(&fds) == 0 else { throw SwrunError.system("pipe for hook") }
        var args = hook.args.flatMap { $0.isEmpty ? nil : $0 } ?? [hook.path]
        var program = hook.path
        switch place {
        case .runtime:
            break
        case .container(let pid, let resolveInContainer):
            // swrun-init enters the container's namespaces, then execs the hook.
            args = ["swrun-init", "hook", String(pid), resolveInContainer ? "container" : "runtime", hook.path] + args
            program = MonitorClient.binaryPath
        }
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = (hook.env ?? []).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let child = [fds[0], 2, 2]
        let pid = sw_spawn(program, argv, envp, child, 3, 0)
        close(fds[0])
        guard pid > 0 else {
            let err = errno
            close(fds[1])
            throw SwrunError.system("hook \(hook.path)", errno: err)
        }
        // A hook need not read its stdin: a closed pipe is fine (SIGPIPE is ignored).
        try? FileIO.writeAll(fds[1], json)
        close(fds[1])

        let pidfd = sw_pidfd_open(pid, 0)
        if pidfd >= 0, let timeout = hook.timeout, timeout > 0 {
            var pfd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            var ready: Int32
            repeat { ready = poll(&pfd, 1, Int32(clamping: timeout * 1000)) } while ready < 0 && errno == EINTR
            if ready == 0 {
                _ = Glibc.kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                close(pidfd)
                throw SwrunError(.system, "hook \(hook.path) timed out after \(timeout) s")
            }
        }
        if pidfd >= 0 { close(pidfd) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if sw_wifsignaled(status) != 0 {
            throw SwrunError(.system, "hook \(hook.path) was killed by signal \(sw_wtermsig(status))")
        }
        if sw_wexitstatus(status) != 0 {
            throw SwrunError(.system, "hook \(hook.path) exited with status \(sw_wexitstatus(status))")
        }
    }
}
