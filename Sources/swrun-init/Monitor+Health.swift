import CSwrun
import Glibc
import SwrunOS

extension Monitor {
    /// When the next check is due after one ended (or after the start): docker's
    /// start interval while the start period lasts, the interval after.
    func nextHealthcheck(after now: Int64) -> Int64 {
        let inStartPeriod = now - startedMillis < Int64(config.healthStartPeriodMillis)
        return now + Int64(inStartPeriod ? config.healthStartIntervalMillis : config.healthIntervalMillis)
    }

    /// Runs the healthcheck as a short-lived `swrun healthcheck run` (an exec in the
    /// container, with its timeout, which records the result): nothing stays in this
    /// process. Its end comes through SIGCHLD like PID 1's.
    func spawnHealthcheck() -> pid_t {
        spawnHelper(config.healthCommand)
    }
}
