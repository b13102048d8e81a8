import Foundation
import Testing

/// Healthchecks run by the container's monitor as short-lived execs (`swrun
/// healthcheck run`): `.State.Health` in inspect, `(healthy)` in ps.
@Suite(.serialized) struct HealthcheckTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    private func inspect(_ format: String, _ name: String) -> String {
        swrun.run(["inspect", "-f", format, name]).out
    }

    @Test func failingThenPassingProbesTurnUnhealthyThenHealthy() {
        let run = swrun.run(["run", "-d", "--name", "hc", "--health-cmd", "cat /ok", "--health-interval", "200ms",
                             "--health-retries", "2", "busybox", "sleep", "120"])
        #expect(run.status == 0, "\(run)")
        #expect(Peer.poll(timeout: 30) { inspect("{{.State.Health.Status}}", "hc") == "unhealthy" })
        #expect((Int(inspect("{{.State.Health.FailingStreak}}", "hc")) ?? 0) >= 2)
        #expect(inspect("{{(index .State.Health.Log 0).ExitCode}}", "hc") == "1")
        #expect(swrun.run(["ps", "--format", "{{.Status}}"]).out.hasSuffix("(unhealthy)"))
        #expect(swrun.run(["exec", "hc", "sh", "-c", "echo fine > /ok"]).status == 0)
        #expect(Peer.poll(timeout: 30) { inspect("{{.State.Health.Status}}", "hc") == "healthy" })
        #expect(inspect("{{.State.Health.FailingStreak}}", "hc") == "0")
        #expect(swrun.run(["ps", "--format", "{{.Status}}"]).out.hasSuffix("(healthy)"))
        let log = inspect("{{json .State.Health.Log}}", "hc")
        #expect(log.contains(#""Output":"fine\n""#), "\(log)")
        // --until in whole seconds, as docker reads it: a little ahead of now.
        let until = String(Int(Date().timeIntervalSince1970) + 5)
        let events = swrun.run(["events", "--since", "0", "--until", until, "--filter", "event=health_status", "--format", "{{.Action}}"])
        #expect(events.lines.prefix(2) == ["health_status: unhealthy", "health_status: healthy"], "\(events)")
        // By hand, as podman's command: 0 when it passes.
        #expect(swrun.run(["healthcheck", "run", "hc"]).status == 0)
        #expect(swrun.run(["rm", "-f", "hc"]).status == 0)
    }

    @Test func aProbePastItsTimeoutFails() {
        #expect(swrun.run(["run", "-d", "--name", "slow", "--health-cmd", "sleep 30", "--health-timeout", "300ms",
                           "--health-retries", "1", "busybox", "sleep", "120"]).status == 0)
        let probe = swrun.run(["healthcheck", "run", "slow"])
        #expect(probe.status == 1 && probe.out == "unhealthy", "\(probe)")
        #expect(inspect("{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}", "slow")
                == "-1 Health check exceeded timeout (300ms)")
        #expect(swrun.run(["rm", "-f", "slow"]).status == 0)
    }

    @Test func startingUntilTheFirstProbeAndNoneWithoutAHealthcheck() {
        #expect(swrun.run(["run", "-d", "--name", "later", "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "120"]).status == 0)
        #expect(inspect("{{.State.Health.Status}}", "later") == "starting")
        #expect(swrun.run(["ps", "--format", "{{.Status}}"]).out.hasSuffix("(health: starting)"))
        #expect(swrun.run(["run", "-d", "--name", "plain", "busybox", "sleep", "120"]).status == 0)
        // docker omits Health when there is no healthcheck.
        let document = swrun.run(["inspect", "plain"])
        #expect(document.status == 0 && !document.stdout.contains("\"Health\""), "\(document)")
        let probe = swrun.run(["healthcheck", "run", "plain"])
        #expect(probe.status == 125 && probe.err == "swrun: container plain has no defined healthcheck", "\(probe)")
        #expect(swrun.run(["rm", "-f", "later", "plain"]).status == 0)
    }

    @Test func badHealthFlagsFailInDockersWords() {
        let cases: [([String], String)] = [
            (["--no-healthcheck", "--health-cmd", "true"], "swrun: --no-healthcheck conflicts with --health-* options"),
            (["--health-cmd", "true", "--health-interval", "10us"], "swrun: Interval in Healthcheck cannot be less than 1ms"),
            (["--health-cmd", "true", "--health-timeout", "-1s"], "swrun: --health-timeout cannot be negative"),
            (["--health-cmd", "true", "--health-retries", "-1"], "swrun: --health-retries cannot be negative"),
            (["--health-interval", "soon"], #"swrun: invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon""#),
        ]
        for (flags, message) in cases {
            let run = swrun.run(["run", "--rm"] + flags + ["busybox", "true"])
            #expect(run.status == 125 && run.err == message, "\(flags): \(run)")
        }
        #expect(swrun.containerIDs().isEmpty)
    }
}
