import CSwrun
import Glibc

extension ContainerRuntime {
    /// Blocks until process `pid` has exited (a zombie counts: nothing runs in it any
    /// more), `changes` reports a change in its directory, or `deadline` passes. False
    /// only when the deadline came first. A nil `pid` waits for `changes` or the
    /// deadline alone; a PID of 0 or less has nothing to wait for.
    ///
    /// The process is pinned by a pidfd, readable once it has exited whoever its parent
    /// is; `isSame` is asked after it is opened whether the PID still is the process
    /// meant, since a reaped PID is reused (a container's PID 1 is, until its exit
    /// record exists). Without pidfd_open (a seccomp profile of an outer container
    /// may refuse it) the process is looked at every 10 ms instead.
    @discardableResult
    public static func awaitExit(of pid: Int32?, changes: DirectoryWatch? = nil, deadline: ContinuousClock.Instant? = nil,
                                 isSame: () -> Bool = { true }) -> Bool {
        var pidfd: Int32 = -1
        if let pid {
            guard pid > 0 else { return true }
            pidfd = sw_pidfd_open(pid, 0)
            if pidfd < 0 && errno == ESRCH { return true }
        }
        defer { if pidfd >= 0 { close(pidfd) } }
        if pidfd >= 0 && !isSame() { return true }
        // Without a pidfd the process, and without an inotify fd (its limits reached)
        // the directory, are looked at every 10 ms.
        let looking = pid != nil && pidfd < 0
        let blind = changes.map { $0.fd < 0 } ?? false
        var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: changes?.fd ?? -1, events: Int16(POLLIN), revents: 0)]
        while true {
            if looking, let pid, !isAlive(pid) || !isSame() { return true }
            var timeout: Int32 = looking || blind ? 10 : -1
            if let deadline {
                let left = deadline - .now
                if left <= .zero { return false }
                let (seconds, attoseconds) = left.components
                let millis = Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
                timeout = timeout < 0 ? millis : min(timeout, millis)
            }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { return true }
            if ready > 0 {
                if fds[1].revents != 0 { changes?.drain() }
                return true
            }
            if ready == 0 && blind && (deadline.map { $0 > .now } ?? true) { return true }
        }
    }

    /// Blocks until the container's monitor has exited, `seconds` at most: it records
    /// the exit and removes the cgroup, which must be done before the container is
    /// removed or started again.
    public func awaitMonitor(of state: ContainerState, seconds: Int) {
        guard let monitor = state.monitorPid else { return }
        Self.awaitExit(of: monitor, deadline: .now + .seconds(seconds))
    }
}
