import ArgumentParser
import SwrunOS
import SwrunRuntime

/// `--restart` (run, create).
struct RestartFlags: ParsableArguments {
    @Option(name: .customLong("restart"), help: "Restart policy: no, on-failure[:max-retries], always, unless-stopped.")
    var restart: String?

    /// The policy, checked with `--rm` as docker checks them.
    func policy(autoRemove: Bool) throws -> RestartPolicy? {
        guard let restart else { return nil }
        let policy = try RestartPolicy(parsing: restart)
        if autoRemove && !policy.isNone {
            throw SwrunError(.invalidArgument, "conflicting options: cannot specify both --restart and --rm")
        }
        return policy
    }
}
