import CSwrun
import Glibc
import SwrunOS

extension Monitor {
    /// docker's restart manager for this one container, run once its end is recorded:
    /// the policy is read now from the container directory's `restart-policy` (so
    /// `update --restart` reaches a running container), a `stop` or `kill` holds it
    /// (`stopped-by-user`), and on-failure counts the restarts so far. The backoff is
    /// docker's: 100 ms, doubled while the container keeps ending within 10 s of its
    /// start, at most a minute. Then this process becomes `swrun start` of the
    /// container, which starts a new monitor; nothing stays behind. From the backoff
    /// until that start is done the container is "restarting" (`RestartingRecord`).
    func restartIfThePolicySays(exitCode: Int32, ranMillis: Int64) {
        guard !config.restartCommand.isEmpty, !config.exitPath.isEmpty else { return }
        let directory = FileIO.parentPath(config.exitPath)
        guard let text = try? FileIO.readString(directory + "/restart-policy") else { return }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let stoppedByUser = { FileIO.exists(directory + "/stopped-by-user") }
        guard let name = words.first, !stoppedByUser() else { return }
        switch name {
        case "always", "unless-stopped":
            break
        case "on-failure":
            let maximum = words.count > 1 ? UInt64(words[1]) ?? 0 : 0
            if exitCode == 0 || (maximum > 0 && config.restartCount >= maximum) { return }
        default:
            return
        }
        let delay: UInt64 = ranMillis >= 10_000 || config.restartDelayMillis == 0 ? 100 : min(config.restartDelayMillis * 2, 60_000)
        // docker's "Restarting" from here until the new run has started: this process
        // stays the record's PID when it becomes `swrun start`, which removes it.
        try? RestartingRecord.write(in: directory)
        // A stop (or rm -f) during the backoff ends it.
        if sleepUnlessEnded(millis: delay, ended: { stoppedByUser() || !FileIO.exists(directory) }) {
            RestartingRecord.remove(in: directory)
            return
        }
        let argv: [UnsafeMutablePointer<CChar>?] = (config.restartCommand + [String(delay)]).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        if let path = argv[0] { execve(path, argv, envp) }
        RestartingRecord.remove(in: directory)
    }

    /// Sleeps `millis` unless `ended` says the wait is over; a `stop` says so with
    /// SIGTERM after its marker, which wakes the sleep (blocked and taken with
    /// sigtimedwait, so one sent before the sleep is not lost). True when it ended.
    /// SIGTERM is ignored again afterwards, as `swrun start` inherits it.
    private func sleepUnlessEnded(millis: UInt64, ended: () -> Bool) -> Bool {
        var term = sigset_t()
        sigemptyset(&term)
        sigaddset(&term, SIGTERM)
        sigprocmask(SIG_BLOCK, &term, nil)
        signal(SIGTERM, SIG_DFL)
        defer {
            signal(SIGTERM, SIG_IGN)  // discards one still pending
            sigprocmask(SIG_UNBLOCK, &term, nil)
        }
        let deadline = Self.nowMillis() + Int64(millis)
        while !ended() {
            let left = deadline - Self.nowMillis()
            if left <= 0 { return false }
            var timeout = timespec(tv_sec: Int(left / 1000), tv_nsec: Int(left % 1000) * 1_000_000)
            _ = sigtimedwait(&term, nil, &timeout)
        }
        return true
    }
}
