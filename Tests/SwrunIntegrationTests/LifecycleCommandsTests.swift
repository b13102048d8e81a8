import Foundation
import Glibc
import Testing

/// A shell loop that ends with 3 on SIGTERM: `stop` should need no SIGKILL.
private let trapsTerm = ["sh", "-c", "trap 'exit 3' TERM; echo ready; while true; do sleep 0.1; done"]
/// A shell loop that ignores SIGTERM: `stop` must escalate to SIGKILL.
private let ignoresTerm = ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"]

/// stop, kill, wait, pause, unpause, rename, top, logs, inspect and container prune,
/// against containers started by a foreground `swrun run` in the background.
@Suite("lifecycle commands: stop, kill, wait, pause, rename, top, logs, inspect, prune", .serialized)
struct LifecycleCommandsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// Starts `run --name <name> busybox <command>` in the background and waits until
    /// the container printed "ready" and is recorded as running.
    private func startContainer(_ name: String, _ command: [String] = trapsTerm, extra: [String] = []) throws -> RunningCommand {
        let running = try swrun.start(["run", "--name", name] + extra + ["busybox"] + command)
        #expect(running.waitForOutput("ready"), "container \(name) did not start")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, inspect(name)?.state["Running"] as? Bool != true { usleep(20_000) }
        return running
    }

    /// The parsed `inspect` document of one container, nil when inspect fails.
    private func inspect(_ name: String) -> [String: Any]? {
        let result = swrun.run(["inspect", name])
        guard result.status == 0,
              let array = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else { return nil }
        return array.first
    }

    private func id(of name: String) -> String {
        inspect(name)?["Id"] as? String ?? "missing"
    }

    @Test func stopEndsATermTrappingContainerWithItsCode() throws {
        let running = try startContainer("web")
        let began = Date()
        let stop = swrun.run(["stop", "web"])
        let elapsed = Date().timeIntervalSince(began)
        #expect(stop.status == 0, "\(stop)")
        #expect(stop.stdout == "web\n")
        #expect(elapsed < 5, "stop took \(elapsed) s")
        #expect(running.wait().status == 3)
        let document = inspect("web")
        #expect(document?.state["Status"] as? String == "exited")
        #expect(document?.state["ExitCode"] as? Int == 3)
        #expect(document?.state["Running"] as? Bool == false)
        #expect(document?.state["Pid"] as? Int == 0)
        #expect(document?.state["FinishedAt"] as? String != "0001-01-01T00:00:00Z")

        // Stopping a stopped container does nothing and succeeds.
        let again = swrun.run(["stop", "web"])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout == "web\n")
    }

    @Test func stopEscalatesToSigkillAfterTheTimeout() throws {
        let running = try startContainer("stubborn", ignoresTerm)
        let began = Date()
        let stop = swrun.run(["stop", "-t", "1", "stubborn"])
        let elapsed = Date().timeIntervalSince(began)
        #expect(stop.status == 0, "\(stop)")
        #expect(elapsed >= 1 && elapsed < 6, "stop -t 1 took \(elapsed) s")
        #expect(running.wait().status == 137)
        #expect(inspect("stubborn")?.state["ExitCode"] as? Int == 137)
    }

    @Test func stopOfAMissingContainerFailsButStopsTheOthers() throws {
        let running = try startContainer("present")
        let stop = swrun.run(["stop", "absent", "present"])
        #expect(stop.status == 1, "\(stop)")
        #expect(stop.stdout == "present\n")
        #expect(stop.stderr.contains("No such container: absent"), "\(stop)")
        #expect(running.wait().status == 3)
    }

    @Test func killDeliversTheSignalByName() throws {
        let command = ["sh", "-c", "trap 'echo got > /tmp/x' USR1; echo ready; while true; do sleep 0.1; done"]
        let running = try startContainer("target", command)
        let marker = swrun.root + "/containers/" + id(of: "target") + "/upper/tmp/x"

        let usr1 = swrun.run(["kill", "-s", "USR1", "target"])
        #expect(usr1.status == 0, "\(usr1)")
        #expect(usr1.stdout == "target\n")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, Host.read(marker) != "got\n" { usleep(20_000) }
        #expect(Host.read(marker) == "got\n")

        // Numbers and SIG-prefixed names are signals too; the default is SIGKILL.
        #expect(swrun.run(["kill", "-s", "SIGUSR1", "target"]).status == 0)
        #expect(swrun.run(["kill", "-s", "10", "target"]).status == 0)
        let bogus = swrun.run(["kill", "-s", "NOPE", "target"])
        #expect(bogus.status != 0)
        #expect(bogus.stderr.contains("Invalid signal: NOPE"), "\(bogus)")

        let kill = swrun.run(["kill", "target"])
        #expect(kill.status == 0, "\(kill)")
        #expect(running.wait().status == 137)

        let notRunning = swrun.run(["kill", "target"])
        #expect(notRunning.status == 1, "\(notRunning)")
        #expect(notRunning.stderr.contains("is not running"), "\(notRunning)")
    }

    @Test func waitPrintsTheExitCode() throws {
        let running = try startContainer("waiter", ["sh", "-c", "echo ready; sleep 1; exit 5"])
        let wait = swrun.run(["wait", "waiter"])
        #expect(wait.status == 0, "\(wait)")
        #expect(wait.stdout == "5\n")
        #expect(running.wait().status == 5)

        // An exited container answers at once.
        #expect(swrun.run(["run", "--name", "done", "busybox", "sh", "-c", "exit 7"]).status == 7)
        #expect(swrun.run(["wait", "done", "waiter"]).stdout == "7\n5\n")
        #expect(swrun.run(["wait", "nothing"]).status == 1)
    }

    @Test func pauseFreezesAndUnpauseThaws() throws {
        let running = try startContainer("sleepy")
        let id = id(of: "sleepy")
        let freezer = Host.containerCgroupDirectory("freezer", id: id)

        let pause = swrun.run(["pause", "sleepy"])
        #expect(pause.status == 0, "\(pause)")
        #expect(pause.stdout == "sleepy\n")
        switch Host.cgroupVersion {
        case .v1:
            #expect(Host.read(freezer + "/freezer.state") == "FROZEN\n")
        case .v2:
            #expect(Host.read(freezer + "/cgroup.freeze") == "1\n")
            #expect(Host.read(freezer + "/cgroup.events")?.contains("frozen 1\n") == true)
        }
        let paused = inspect("sleepy")
        #expect(paused?.state["Status"] as? String == "paused")
        #expect(paused?.state["Paused"] as? Bool == true)
        let twice = swrun.run(["pause", "sleepy"])
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("is already paused"), "\(twice)")

        let unpause = swrun.run(["unpause", "sleepy"])
        #expect(unpause.status == 0, "\(unpause)")
        #expect(unpause.stdout == "sleepy\n")
        switch Host.cgroupVersion {
        case .v1:
            #expect(Host.read(freezer + "/freezer.state") == "THAWED\n")
        case .v2:
            #expect(Host.read(freezer + "/cgroup.freeze") == "0\n")
            #expect(Host.read(freezer + "/cgroup.events")?.contains("frozen 0\n") == true)
        }
        #expect(inspect("sleepy")?.state["Status"] as? String == "running")
        let notPaused = swrun.run(["unpause", "sleepy"])
        #expect(notPaused.status == 1)
        #expect(notPaused.stderr.contains("is not paused"), "\(notPaused)")

        // A paused container still stops: SIGKILL thaws it.
        #expect(swrun.run(["pause", "sleepy"]).status == 0)
        let stop = swrun.run(["stop", "-t", "1", "sleepy"])
        #expect(stop.status == 0, "\(stop)")
        #expect(!running.wait(timeout: 20).timedOut)
    }

    @Test func renameChangesTheName() throws {
        let running = try startContainer("before")
        #expect(swrun.run(["run", "--name", "taken", "busybox", "true"]).status == 0)
        let id = id(of: "before")

        let rename = swrun.run(["rename", "before", "after"])
        #expect(rename.status == 0, "\(rename)")
        #expect(rename.stdout.isEmpty)
        #expect(inspect("after")?["Id"] as? String == id)
        #expect(inspect("after")?["Name"] as? String == "/after")
        #expect(swrun.run(["inspect", "before"]).status == 1)
        #expect(swrun.run(["ps"]).lines.last?.hasSuffix("after") == true)

        let conflict = swrun.run(["rename", "after", "taken"])
        #expect(conflict.status == 1)
        #expect(conflict.stderr.contains("The container name \"/taken\" is already in use"), "\(conflict)")
        let invalid = swrun.run(["rename", "after", "-bad"])
        #expect(invalid.status != 0)
        let invalidChars = swrun.run(["rename", "after", "no/slash"])
        #expect(invalidChars.status == 1)
        #expect(invalidChars.stderr.contains("Invalid container name"), "\(invalidChars)")

        #expect(swrun.run(["kill", "after"]).status == 0)
        _ = running.wait()
    }

    @Test func topListsTheContainersProcesses() throws {
        let running = try startContainer("busy", ["sh", "-c", "echo ready; sleep 1000 & wait"])
        let top = swrun.run(["top", "busy"])
        #expect(top.status == 0, "\(top)")
        let header = top.lines.first?.split(separator: " ").map(String.init) ?? []
        #expect(header == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], "\(top)")
        #expect(top.lines.count == 3, "sh and sleep: \(top)")
        #expect(top.lines.contains(where: { $0.hasSuffix("sleep 1000") }), "\(top)")
        let pid = inspect("busy")?.state["Pid"] as? Int ?? -1
        #expect(top.lines.dropFirst().contains(where: { $0.split(separator: " ").dropFirst().first == Substring(String(pid)) }), "\(top)")

        // Options go to ps.
        let custom = swrun.run(["top", "busy", "-o", "pid,comm"])
        #expect(custom.status == 0, "\(custom)")
        #expect(custom.lines.first?.split(separator: " ").map(String.init) == ["PID", "COMMAND"], "\(custom)")
        #expect(custom.lines.contains(where: { $0.hasSuffix("sleep") }), "\(custom)")

        #expect(swrun.run(["kill", "busy"]).status == 0)
        _ = running.wait()
        let stopped = swrun.run(["top", "busy"])
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("is not running"), "\(stopped)")
    }

    @Test func logsSplitTheStreams() throws {
        // The two streams are separate pipes, so their order in the log is only certain
        // with a pause between them.
        let script = "printf 'err one\\n' >&2; sleep 0.2; printf 'out one\\n'; printf 'caf\\303\\251 \"q\" \\\\ tab\\t\\n'; printf 'no newline'"
        #expect(swrun.run(["run", "--name", "talker", "busybox", "sh", "-c", script]).status == 0)
        let logs = swrun.run(["logs", "talker"])
        #expect(logs.status == 0, "\(logs)")
        #expect(logs.stdout == "out one\ncafé \"q\" \\ tab\t\nno newline")
        #expect(logs.stderr == "err one\n")

        let tail = swrun.run(["logs", "--tail", "1", "talker"])
        #expect(tail.stdout == "no newline")
        #expect(tail.stderr.isEmpty)
        #expect(swrun.run(["logs", "-n", "2", "talker"]).stdout == "café \"q\" \\ tab\t\nno newline")

        let stamped = swrun.run(["logs", "-t", "talker"])
        let first = stamped.lines.first ?? ""
        let pattern = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out one$"#
        #expect(first.range(of: pattern, options: .regularExpression) != nil, "\(stamped)")

        #expect(swrun.run(["logs", "nobody"]).status == 1)
    }

    @Test func logsFollowEndsWhenTheContainerDoes() throws {
        let running = try startContainer("chatty", ["sh", "-c", "echo ready; sleep 1; echo later; sleep 0.5; echo last"])
        let follow = try swrun.start(["logs", "-f", "chatty"])
        let result = follow.wait(timeout: 20)
        #expect(!result.timedOut)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "ready\nlater\nlast\n")
        #expect(running.wait().status == 0)
    }

    @Test func containerPruneRemovesOnlyStoppedContainers() throws {
        let running = try startContainer("alive")
        #expect(swrun.run(["run", "--name", "gone", "busybox", "sh", "-c", "echo data > /big"]).status == 0)
        let goneID = id(of: "gone")

        let declined = swrun.run(["container", "prune"], stdin: Data("n\n".utf8))
        #expect(declined.stdout.hasPrefix("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "))
        #expect(swrun.containerDirectories().count == 2)

        let prune = swrun.run(["container", "prune", "-f"])
        #expect(prune.status == 0, "\(prune)")
        #expect(prune.stdout == "Deleted Containers:\n\(goneID)\n\nTotal reclaimed space: 5B\n", "\(prune)")
        #expect(swrun.containerDirectories() == [id(of: "alive")])

        let nothing = swrun.run(["container", "prune"], stdin: Data("y\n".utf8))
        #expect(nothing.stdout.hasSuffix("[y/N] Total reclaimed space: 0B\n"), "\(nothing)")

        #expect(swrun.run(["container", "stop", "alive"]).status == 0)
        #expect(running.wait().status == 3)
        #expect(swrun.run(["container", "ls", "-a", "-q"]).lines.count == 1)
    }

    @Test func inspectShowsDockersFields() throws {
        let running = try startContainer("x")
        let document = try #require(inspect("x"))
        let id = document["Id"] as? String ?? ""
        #expect(id.count == 64)
        #expect(document["Name"] as? String == "/x")
        #expect(document.state["Status"] as? String == "running")
        #expect(document.state["Running"] as? Bool == true)
        #expect((document.state["Pid"] as? Int ?? 0) > 0)
        #expect(document["Path"] as? String == "sh")
        #expect((document["Image"] as? String)?.hasPrefix("sha256:") == true)
        #expect(document["LogPath"] as? String == swrun.root + "/containers/" + id + "/container.log")
        let graph = document["GraphDriver"] as? [String: Any]
        #expect(graph?["Name"] as? String == "overlay")
        let upper = (graph?["Data"] as? [String: Any])?["UpperDir"] as? String ?? ""
        #expect(Host.exists(upper), "\(upper)")
        let config = document["Config"] as? [String: Any]
        #expect((config?["Cmd"] as? [String])?.first == "sh")
        #expect((config?["Env"] as? [String])?.contains(where: { $0.hasPrefix("PATH=") }) == true)
        #expect(config?["Image"] as? String == "busybox")

        // Docker's layout: a four-space indented array.
        let raw = swrun.run(["inspect", "x"]).stdout
        #expect(raw.hasPrefix("[\n    {\n        \"Id\": \"\(id)\",\n"))

        // --format runs a Go template against the same document.
        let formatted = swrun.run(["inspect", "-f", "{{.State.Status}} {{.Name}} {{json .Config.Cmd}} {{.Config.Labels}}", "x"])
        #expect(formatted.status == 0, "\(formatted)")
        #expect(formatted.stdout == "running /x [\"sh\",\"-c\",\"\(trapsTerm[2])\"] map[]\n", "\(formatted)")
        let unparsable = swrun.run(["inspect", "-f", "{{.State", "x"])
        #expect(unparsable.status == 64, "\(unparsable)")
        #expect(unparsable.stderr.contains("Template parsing error"), "\(unparsable)")

        #expect(swrun.run(["stop", "x"]).status == 0)
        #expect(running.wait().status == 3)
        let stopped = try #require(inspect("x"))
        #expect(stopped.state["Status"] as? String == "exited")
        #expect(stopped.state["ExitCode"] as? Int == 3)
        #expect(stopped.state["Running"] as? Bool == false)
    }

    @Test func inspectOfAMissingNameFails() {
        let missing = swrun.run(["inspect", "nope"])
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.out == "[]")
        #expect(missing.stderr.contains("No such object: nope"), "\(missing)")

        let typed = swrun.run(["inspect", "--type", "container", "nope"])
        #expect(typed.status == 1)
        #expect(typed.stderr.contains("No such container: nope"), "\(typed)")
        #expect(swrun.run(["inspect", "--type", "volume", "nope"]).status != 0)
    }
}

private extension Dictionary where Key == String, Value == Any {
    /// The "State" object of an inspect document.
    var state: [String: Any] { self["State"] as? [String: Any] ?? [:] }
}
