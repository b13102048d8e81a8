import CSwrun
import Glibc

/// `--init`: PID 1 of the container that forwards every signal to the command, reaps
/// orphans, and exits with the command's status (128+N for a signal), as tini does.
struct Reaper {
    let child: pid_t

    func run() -> Never {
        // Not dumpable: /proc/1/exe cannot be opened from inside the container.
        _ = sw_prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0)
        var all = sigset_t()
        sigfillset(&all)
        while true {
            var info = siginfo_t()
            let sig = sigwaitinfo(&all, &info)
            if sig < 0 { continue }
            if sig == SIGCHLD {
                var status: Int32 = 0
                while true {
                    let pid = waitpid(-1, &status, WNOHANG)
                    if pid <= 0 { break }
                    if pid == child {
                        if sw_wifsignaled(status) != 0 { _exit(128 + sw_wtermsig(status)) }
                        _exit(sw_wexitstatus(status))
                    }
                }
            } else {
                kill(child, sig)
            }
        }
    }
}
