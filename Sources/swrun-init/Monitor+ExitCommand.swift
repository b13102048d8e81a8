import CSwrun
import Glibc
import SwrunOS

extension Monitor {
    /// Runs the config's exit command (swrun-net's teardown of the container's network)
    /// once PID 1 has ended, before the exit is recorded: whoever waits for the exit
    /// finds the addresses, ports and rules released. A command that hangs is killed
    /// after 30 s, so the container's end is always recorded.
    func runExitCommand(_ command: [String]) {
        let pid = spawnHelper(command)
        guard pid > 0 else { return }
        let pidfd = sw_pidfd_open(pid, 0)
        if pidfd >= 0 {
            var fd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            if poll(&fd, 1, 30_000) == 0 { Glibc.kill(pid, SIGKILL) }
            close(pidfd)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Starts `command` (a path and its arguments) with /dev/null as its stdio and a
    /// plain PATH; its pid, 0 when it could not start. The caller reaps it.
    func spawnHelper(_ command: [String]) -> pid_t {
        guard let path = command.first else { return 0 }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        let pid = sw_spawn(path, argv, envp, [devNull, devNull, devNull], 3, 0)
        return pid > 0 ? pid : 0
    }
}
