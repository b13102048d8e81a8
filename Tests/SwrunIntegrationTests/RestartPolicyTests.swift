import Foundation
import Glibc
import Testing

/// `--restart`: the container's monitor restarts it (docker's backoff), counts
/// RestartCount, and a `stop` ends it; `start --all-restartable` is the boot unit's
/// command.
@Suite(.serialized) struct RestartPolicyTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    private func inspect(_ format: String, _ name: String) -> String {
        swrun.run(["inspect", "-f", format, name]).out
    }

    /// The monitor recorded in the container's state, alive: either running the
    /// container or waiting out a restart backoff (it then becomes `swrun start`).
    private func monitorAlive(_ name: String) -> Bool {
        let id = inspect("{{.Id}}", name)
        guard let text = Host.read(swrun.root + "/containers/" + id + "/state.json"),
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let pid = object["monitorPid"] as? Int, pid > 0 else { return false }
        return kill(Int32(pid), 0) == 0
    }

    /// Settled: not running and no monitor left that could restart it.
    private func settled(_ name: String) -> Bool {
        inspect("{{.State.Status}}", name) == "exited" && !monitorAlive(name)
    }

    @Test func onFailureRestartsUpToTheMaximumThenStops() {
        let run = swrun.run(["run", "-d", "--name", "fail", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo ran; exit 3"])
        #expect(run.status == 0, "\(run)")
        #expect(Peer.poll(timeout: 30) { inspect("{{.RestartCount}}", "fail") == "2" && settled("fail") })
        #expect(inspect("{{.RestartCount}} {{.State.ExitCode}}", "fail") == "2 3")
        #expect(swrun.run(["logs", "fail"]).lines == ["ran", "ran", "ran"])
        #expect(inspect("{{json .HostConfig.RestartPolicy}}", "fail") == #"{"MaximumRetryCount":2,"Name":"on-failure"}"#
                || inspect("{{json .HostConfig.RestartPolicy}}", "fail") == #"{"Name":"on-failure","MaximumRetryCount":2}"#)
    }

    @Test func onFailureLeavesASuccessAlone() {
        #expect(swrun.run(["run", "-d", "--name", "ok", "--restart", "on-failure", "busybox", "true"]).status == 0)
        #expect(swrun.run(["wait", "ok"]).out == "0")
        #expect(Peer.poll(timeout: 30) { settled("ok") })
        #expect(inspect("{{.RestartCount}}", "ok") == "0")
    }

    @Test func alwaysRestartsUntilStopped() {
        let run = swrun.run(["run", "-d", "--name", "loop", "--restart", "always", "busybox", "sh", "-c", "echo up; exit 0"])
        #expect(run.status == 0, "\(run)")
        #expect(Peer.poll(timeout: 30) { (Int(inspect("{{.RestartCount}}", "loop")) ?? 0) >= 2 })
        #expect(swrun.run(["stop", "loop"]).status == 0)
        // Stopped for good: the monitor that saw the stop goes away without a restart.
        #expect(Peer.poll(timeout: 30) { settled("loop") })
        let count = inspect("{{.RestartCount}}", "loop")
        #expect(swrun.run(["ps", "-q"]).out.isEmpty)
        // A user's start applies the policy again.
        #expect(swrun.run(["start", "loop"]).status == 0)
        #expect(Peer.poll(timeout: 30) { (Int(inspect("{{.RestartCount}}", "loop")) ?? 0) > (Int(count) ?? 0) })
        #expect(swrun.run(["rm", "-f", "loop"]).status == 0)
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test func badPoliciesFailInDockersWords() {
        let cases: [([String], String)] = [
            (["--restart", "sometimes"], "swrun: invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"),
            (["--restart", "always:3"], "swrun: invalid restart policy: maximum retry count can only be used with 'on-failure'"),
            (["--restart", "on-failure:x"], "swrun: invalid restart policy format: maximum retry count must be an integer"),
            (["--restart", "on-failure:-1"], "swrun: invalid restart policy: maximum retry count cannot be negative"),
            (["--restart", ":3"], "swrun: invalid restart policy format: no policy provided before colon"),
            (["--rm", "--restart", "always"], "swrun: conflicting options: cannot specify both --restart and --rm"),
        ]
        for (flags, message) in cases {
            let run = swrun.run(["run"] + flags + ["busybox", "true"])
            #expect(run.status == 125 && run.err == message, "\(flags): \(run)")
        }
        #expect(swrun.containerIDs().isEmpty)
    }

    /// What a boot finds: records that say running with nothing behind them (here the
    /// monitor and PID 1 are SIGKILLed, as a power cut would), and stopped ones.
    @Test func startAllRestartableStartsWhatABootShould() {
        #expect(swrun.run(["run", "-d", "--name", "always", "--restart", "always", "busybox", "sleep", "600"]).status == 0)
        #expect(swrun.run(["stop", "-t", "0", "always"]).status == 0)
        #expect(swrun.run(["run", "-d", "--name", "held", "--restart", "unless-stopped", "busybox", "sleep", "600"]).status == 0)
        #expect(swrun.run(["stop", "-t", "0", "held"]).status == 0)
        #expect(swrun.run(["run", "-d", "--name", "cut", "--restart", "unless-stopped", "busybox", "sleep", "600"]).status == 0)
        #expect(swrun.run(["run", "-d", "--name", "plain", "busybox", "sleep", "600"]).status == 0)
        #expect(swrun.run(["create", "--name", "fresh", "--restart", "always", "busybox", "sleep", "600"]).status == 0)
        for name in ["cut", "plain"] {
            let id = inspect("{{.Id}}", name)
            let pid = Int32(inspect("{{.State.Pid}}", name)) ?? 0
            let state = Host.read(swrun.root + "/containers/" + id + "/state.json") ?? ""
            let monitor = ((try? JSONSerialization.jsonObject(with: Data(state.utf8))) as? [String: Any])?["monitorPid"] as? Int ?? 0
            #expect(pid > 0 && monitor > 0)
            kill(Int32(monitor), SIGKILL)
            kill(pid, SIGKILL)
        }
        #expect(Peer.poll(timeout: 30) { swrun.run(["ps", "-q"]).out.isEmpty })
        let start = swrun.run(["start", "--all-restartable"])
        #expect(start.status == 0, "\(start)")
        #expect(Set(start.lines) == ["always", "cut"], "\(start)")
        #expect(Set(swrun.run(["ps", "--format", "{{.Names}}"]).lines) == ["always", "cut"])
        #expect(swrun.run(["start", "--all-restartable"]).out.isEmpty, "nothing more to start")
    }
}
