import Foundation
import Glibc
import Testing

/// Prints "tick" until /tmp/stop exists, then `last` and ends with `code`.
private func ticker(last: String, code: Int) -> [String] {
    ["sh", "-c", "while [ ! -e /tmp/stop ]; do echo tick; sleep 0.2; done; echo \(last); exit \(code)"]
}

/// `swrun attach`: clients of a running container's monitor, through its attach socket.
@Suite("attach", .serialized)
struct AttachTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    private func runDetached(_ name: String, _ extra: [String] = [], _ command: [String]) {
        let started = swrun.run(["run", "-d", "--name", name] + extra + ["busybox"] + command)
        #expect(started.status == 0, "\(started)")
    }

    @Test func attachSeesNewOutputAndEndsWithTheExitCode() throws {
        runDetached("ticking", [], ticker(last: "bye", code: 3))
        let attach = try swrun.start(["attach", "ticking"])
        #expect(attach.waitForOutput("tick"))
        #expect(swrun.run(["exec", "ticking", "touch", "/tmp/stop"]).status == 0)
        let result = attach.wait()
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout.hasSuffix("bye\n"), "\(result)")
    }

    @Test func twoClientsBothReceiveTheOutputAndTheCode() throws {
        runDetached("shared", [], ticker(last: "last-words", code: 4))
        let first = try swrun.start(["attach", "shared"])
        let second = try swrun.start(["container", "attach", "shared"])
        #expect(first.waitForOutput("tick"))
        #expect(second.waitForOutput("tick"))
        #expect(swrun.run(["exec", "shared", "touch", "/tmp/stop"]).status == 0)
        for result in [first.wait(), second.wait()] {
            #expect(result.status == 4, "\(result)")
            #expect(result.stdout.contains("last-words"), "\(result)")
        }
    }

    @Test func inputFromAttachReachesCat() throws {
        runDetached("echoer", ["-i"], ["cat"])
        let attach = try swrun.start(["attach", "echoer"], stdin: Data("hello-from-attach\n".utf8))
        #expect(attach.waitForOutput("hello-from-attach"))
        // Its stdin's end leaves the container's open (docker's, for a container started
        // detached): cat still runs, and answers the next client.
        #expect(swrun.run(["ps"]).stdout.contains("echoer"))
        let next = try swrun.start(["attach", "echoer"], stdin: Data("second-client\n".utf8))
        #expect(next.waitForOutput("second-client"))
        #expect(attach.waitForOutput("second-client"))
        #expect(swrun.run(["kill", "echoer"]).status == 0)
        #expect(attach.wait().status == 137)
        #expect(next.wait().status == 137)
    }

    @Test func noStdinDoesNotForwardInput() throws {
        // A background ticker shows when a client is attached; cat echoes the input.
        runDetached("quiet", ["-i"], ["sh", "-c", "(while :; do echo tick; sleep 0.2; done) & exec cat"])
        let silent = try swrun.start(["attach", "--no-stdin", "quiet"], stdin: Data("secret\n".utf8))
        #expect(silent.waitForOutput("tick"))
        let talker = try swrun.start(["attach", "quiet"], stdin: Data("marker\n".utf8))
        // Once `silent` shows the marker it is attached, and a client that forwarded its
        // stdin would have sent "secret" on its first turn, before showing anything.
        #expect(silent.waitForOutput("marker"))
        let last = try swrun.start(["attach", "quiet"], stdin: Data("final\n".utf8))
        #expect(last.waitForOutput("final"))
        #expect(silent.waitForOutput("final"))
        #expect(swrun.run(["kill", "quiet"]).status == 0)
        let results = [silent.wait(), talker.wait(), last.wait()]
        for result in results {
            #expect(result.status == 137, "\(result)")
            #expect(!result.stdout.contains("secret"), "\(result)")
        }
        #expect(!swrun.run(["logs", "quiet"]).stdout.contains("secret"))
    }

    @Test func detachKeysLeaveTheContainerRunning() throws {
        runDetached("tty", ["-i", "-t"], ["sh"])
        let term = try Terminal("\(Swrun.binary) --root \(swrun.root) attach tty", base: swrun.scratch)
        defer { term.close() }
        term.type("echo attached-$((6*7))")
        #expect(term.waitFor("attached-42"), "\(term.screen())")
        term.send("C-p", "C-q")
        // docker's attach ends with this error, exit 1.
        #expect(term.waitFor("read escape sequence"), "\(term.screen())")
        #expect(term.waitFor("rc=1"), "\(term.screen())")
        let listing = swrun.run(["ps"])
        #expect(listing.stdout.contains("tty") && listing.stdout.contains("Up"), "\(listing)")
        // Attached again, the same shell answers.
        let again = try Terminal("\(Swrun.binary) --root \(swrun.root) attach tty", base: swrun.scratch)
        defer { again.close() }
        again.type("exit 6")
        #expect(again.waitFor("rc=6"), "\(again.screen())")
    }

    @Test func attachingToAStoppedContainerFails() {
        let created = swrun.run(["create", "--name", "idle", "busybox", "true"])
        #expect(created.status == 0, "\(created)")
        let result = swrun.run(["attach", "idle"])
        #expect(result.status == 1, "\(result)")
        #expect(result.err == "swrun: You cannot attach to a stopped container, start it first", "\(result)")
        let missing = swrun.run(["attach", "nothing-here"])
        #expect(missing.status == 1, "\(missing)")
    }

    @Test func sigProxyForwardsSignalsToTheContainer() throws {
        let script = "trap 'echo got-usr1' USR1; trap 'echo got-term; exit 7' TERM; while :; do echo tick; sleep 1 & wait $!; done"
        runDetached("trapper", [], ["sh", "-c", script])
        let attach = try swrun.start(["attach", "trapper"])
        // Output shows it attached, with its signal relay in place.
        #expect(attach.waitForOutput("tick"))
        attach.signal(SIGUSR1)
        #expect(attach.waitForOutput("got-usr1"))
        attach.signal(SIGTERM)
        let result = attach.wait()
        #expect(result.status == 7, "\(result)")
        #expect(result.stdout.contains("got-term"), "\(result)")
    }

    @Test func attachWorksUnderARootLongerThanASocketPath() throws {
        // containers/<id>/attach.sock under it is far past sun_path's 108 bytes.
        let root = swrun.scratch + "/" + String(repeating: "r", count: 100)
        let started = swrun.run(["--root", root, "run", "-d", "--name", "far"] + ["busybox"] + ticker(last: "far-end", code: 9))
        #expect(started.status == 0, "\(started)")
        let attach = try swrun.start(["--root", root, "attach", "far"])
        #expect(attach.waitForOutput("tick"))
        #expect(swrun.run(["--root", root, "exec", "far", "touch", "/tmp/stop"]).status == 0)
        let result = attach.wait()
        #expect(result.status == 9, "\(result)")
        #expect(result.stdout.contains("far-end"), "\(result)")
        #expect(swrun.run(["--root", root, "rm", "-f", "far"]).status == 0)
    }
}
