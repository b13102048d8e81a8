import Foundation
import Glibc
import Testing

/// The last gaps of docker's container life (issue 16): "Restarting" while a restart
/// policy waits out its backoff, `ps --filter health=`, `--oom-score-adj` for run and
/// exec, `system prune --volumes`, and inspect's HostConfig.Binds.
@Suite(.serialized) struct LifeGapsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    private func inspect(_ format: String, _ name: String) -> String {
        swrun.run(["inspect", "-f", format, name]).out
    }

    @Test func aContainerInItsRestartBackoffIsRestarting() {
        let run = swrun.run(["run", "-d", "--name", "flap", "--restart", "always", "busybox", "sh", "-c", "exit 3"])
        #expect(run.status == 0, "\(run)")
        // The backoff doubles with each quick exit, so the state is soon seen.
        #expect(Peer.poll(timeout: 60) {
            swrun.run(["ps", "--format", "{{.Names}} {{.State}} {{.Status}}"]).lines.contains { $0.hasPrefix("flap restarting Restarting (3) ") }
        })
        #expect(Peer.poll(timeout: 60) {
            swrun.run(["ps", "-q", "--filter", "status=restarting", "--filter", "name=flap"]).lines.count == 1
        })
        #expect(Peer.poll(timeout: 60) {
            inspect("{{.State.Status}} {{.State.Restarting}} {{.State.Running}} {{.State.Pid}} {{.State.ExitCode}}", "flap")
                == "restarting true true 0 3"
        })
        #expect(Peer.poll(timeout: 60) { (Int(inspect("{{.RestartCount}}", "flap")) ?? 0) >= 2 })
        // stop ends the restarting for good, also in the middle of a backoff.
        let stop = swrun.run(["stop", "flap"])
        #expect(stop.status == 0, "\(stop)")
        #expect(inspect("{{.State.Status}} {{.State.Restarting}} {{.State.Running}}", "flap") == "exited false false")
        #expect(swrun.run(["ps", "-a", "-q", "--filter", "status=restarting"]).out.isEmpty)
        #expect(swrun.run(["ps", "-q"]).out.isEmpty)
    }

    @Test func rmForceEndsARestartingContainer() {
        #expect(swrun.run(["run", "-d", "--name", "flap2", "--restart", "on-failure", "busybox", "sh", "-c", "exit 7"]).status == 0)
        #expect(Peer.poll(timeout: 60) {
            inspect("{{.State.Status}}", "flap2") == "restarting"
        })
        let rm = swrun.run(["rm", "-f", "flap2"])
        #expect(rm.status == 0, "\(rm)")
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test func psFiltersByHealth() {
        #expect(swrun.run(["run", "-d", "--name", "good", "--health-cmd", "true", "--health-interval", "1s", "busybox", "sleep", "300"]).status == 0)
        #expect(swrun.run(["run", "-d", "--name", "bad", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
                           "busybox", "sleep", "300"]).status == 0)
        // Its first probe is an hour away: starting until then.
        #expect(swrun.run(["run", "-d", "--name", "slow", "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "300"]).status == 0)
        #expect(swrun.run(["run", "-d", "--name", "plain", "busybox", "sleep", "300"]).status == 0)
        let names = { (health: String) in swrun.run(["ps", "--filter", "health=" + health, "--format", "{{.Names}}"]).lines.sorted() }
        #expect(Peer.poll(timeout: 30) { names("healthy") == ["good"] })
        #expect(Peer.poll(timeout: 30) { names("unhealthy") == ["bad"] })
        #expect(names("starting") == ["slow"])
        #expect(names("none") == ["plain"])
        // Values of one key are alternatives.
        let either = swrun.run(["ps", "--filter", "health=healthy", "--filter", "health=none", "--format", "{{.Names}}"])
        #expect(either.lines.sorted() == ["good", "plain"])
        let wrong = swrun.run(["ps", "--filter", "health=sick"])
        #expect(wrong.status != 0 && wrong.err.contains("invalid filter 'health=sick'"), "\(wrong)")
    }

    /// Whether this process may lower an OOM score (CAP_SYS_RESOURCE, bit 24, effective).
    private static var maySetNegativeOOMScore: Bool {
        let mask = Host.statusField("CapEff", in: Host.read("/proc/self/status") ?? "").flatMap { UInt64($0, radix: 16) } ?? 0
        return mask & (1 << 24) != 0
    }

    @Test func oomScoreAdjReachesTheContainerAndItsExecs() {
        let high = swrun.runRm(["--oom-score-adj", "500", "busybox", "cat", "/proc/self/oom_score_adj"])
        #expect(high.status == 0 && high.out == "500", "\(high)")
        #expect(swrun.run(["run", "-d", "--name", "scored", "--oom-score-adj", "500", "busybox", "sleep", "300"]).status == 0)
        let exec = swrun.run(["exec", "scored", "cat", "/proc/self/oom_score_adj"])
        #expect(exec.status == 0 && exec.out == "500", "\(exec)")
        #expect(inspect("{{.HostConfig.OomScoreAdj}}", "scored") == "500")

        let low = swrun.runRm(["--oom-score-adj", "-500", "busybox", "cat", "/proc/self/oom_score_adj"])
        if Self.maySetNegativeOOMScore {
            #expect(low.status == 0 && low.out == "-500", "\(low)")
        } else {
            // Lowering the score takes CAP_SYS_RESOURCE, which nothing here has: the
            // start fails as runc's does, and says why.
            #expect(low.status == 125 && low.err.contains("oom_score_adj") && low.err.contains("CAP_SYS_RESOURCE"), "\(low)")
        }
    }

    @Test func systemPruneVolumesRemovesUnusedAnonymousVolumes() throws {
        #expect(swrun.run(["volume", "create", "named"]).status == 0)
        let run = swrun.run(["run", "--name", "filler", "-v", "/data", "busybox", "sh", "-c", "head -c 5000 /dev/zero > /data/f"])
        #expect(run.status == 0, "\(run)")
        let anonymous = swrun.run(["volume", "ls", "-q"]).lines.filter { $0 != "named" }
        #expect(anonymous.count == 1)
        // In use by the (stopped) container: kept while it exists.
        #expect(swrun.run(["rm", "filler"]).status == 0)

        let plain = swrun.run(["system", "prune", "-f"])
        #expect(plain.status == 0 && !plain.out.contains("Deleted Volumes"), "\(plain)")
        #expect(swrun.run(["volume", "ls", "-q"]).lines.count == 2)

        let refused = swrun.run(["system", "prune", "-f", "--volumes", "--filter", "until=1h"])
        #expect(refused.status != 0 && refused.err.contains("The \"until\" filter is not supported with \"--volumes\""), "\(refused)")

        let pruned = swrun.run(["system", "prune", "-f", "--volumes"])
        #expect(pruned.status == 0, "\(pruned)")
        #expect(pruned.out.contains("Deleted Volumes:\n" + anonymous[0] + "\n"), "\(pruned)")
        #expect(pruned.lines.last == "Total reclaimed space: 5kB", "\(pruned)")
        #expect(swrun.run(["volume", "ls", "-q"]).lines == ["named"])
        // Named volumes stay, also with -a (docker ≥ 23: they take `volume prune -a`).
        let all = swrun.run(["system", "prune", "-f", "-a", "--volumes"])
        #expect(all.status == 0 && !all.out.contains("Deleted Volumes"), "\(all)")
        #expect(swrun.run(["volume", "ls", "-q"]).lines == ["named"])
    }

    @Test func inspectBindsListsTheVolumeFlagsAsGiven() throws {
        #expect(swrun.run(["volume", "create", "vol"]).status == 0)
        let create = swrun.run(["create", "--name", "binds", "-v", "vol:/v:ro", "-v", swrun.scratch + ":/h", "-v", "/anon",
                                "--mount", "type=bind,source=" + swrun.scratch + ",target=/m", "busybox", "true"])
        #expect(create.status == 0, "\(create)")
        #expect(inspect("{{json .HostConfig.Binds}}", "binds") == "[\"vol:/v:ro\",\"\(swrun.scratch):/h\"]")
        let json = inspect("{{json .Mounts}}", "binds")
        let mounts = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], "\(json)")
        let seen = mounts.map { m in
            [m["Type"] as? String ?? "?", m["Name"] as? String ?? "-", m["Destination"] as? String ?? "?",
             (m["RW"] as? Bool).map { String($0) } ?? "?"].joined(separator: " ")
        }
        #expect(seen.count == 4, "\(seen)")
        #expect(seen.contains("volume vol /v false"), "\(seen)")
        #expect(seen.contains("bind - /h true"), "\(seen)")
        #expect(seen.contains { $0.hasPrefix("volume ") && $0.hasSuffix(" /anon true") && !$0.hasPrefix("volume - ") }, "\(seen)")
        #expect(seen.contains("bind - /m true"), "\(seen)")
        // Without -v: no binds (null, as docker).
        #expect(swrun.run(["create", "--name", "none", "busybox", "true"]).status == 0)
        #expect(inspect("{{json .HostConfig.Binds}}", "none") == "null")
    }
}
