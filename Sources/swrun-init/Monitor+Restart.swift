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
    /// container, which starts a new monitor; nothing stays behind.
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
        var left = timespec(tv_sec: Int(delay / 1000), tv_nsec: Int(delay % 1000) * 1_000_000)
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
        // A stop during the backoff ends it.
        if stoppedByUser() || !FileIO.exists(directory) { return }
        let argv: [UnsafeMutablePointer<CChar>?] = (config.restartCommand + [String(delay)]).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        if let path = argv[0] { execve(path, argv, envp) }
    }
}
