import Foundation
import Testing

/// A real terminal: swrun runs inside a tmux session the test types into and reads.
final class Terminal {
    let session: String
    let socket: String

    init(_ command: String, width: Int = 100, height: Int = 30, base: String) throws {
        session = "t" + UUID().uuidString.prefix(8)
        socket = base + "/tmux.sock"
        // `; echo rc=$?; sleep 60` keeps the pane so the exit code can be read.
        let script = "\(command); echo rc=$?; sleep 60"
        // The tmux server outlives this call: it must hold no pipe of ours open.
        let quoted = ([socket, session, "\(width)", "\(height)", script]).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = "/usr/bin/tmux -S \(quoted[0]) new-session -d -s \(quoted[1]) -x \(quoted[2]) -y \(quoted[3]) \(quoted[4]) </dev/null >/dev/null 2>&1"
        let status = Terminal.shell(command)
        if status != 0 { throw TerminalError.tmux("tmux new-session exited \(status)") }
    }

    enum TerminalError: Error { case tmux(String) }

    /// Runs a shell command with posix_spawn and waitpid: tmux's daemonizing confuses
    /// Foundation's Process, which then never sees its child exit.
    static func shell(_ command: String) -> Int32 {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    private func tmux(_ arguments: [String], output: String? = nil) {
        let quoted = (["-S", socket] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        _ = Terminal.shell("/usr/bin/tmux " + quoted.joined(separator: " ") + " </dev/null >\(output ?? "/dev/null") 2>/dev/null")
    }

    func send(_ keys: String...) {
        tmux(["send-keys", "-t", session] + keys)
    }

    func type(_ line: String) {
        tmux(["send-keys", "-t", session, "-l", line])
        send("Enter")
    }

    func screen() -> String {
        let file = FileManager.default.temporaryDirectory.path + "/screen-" + session
        tmux(["capture-pane", "-p", "-t", session], output: file)
        defer { unlink(file) }
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    func resize(width: Int, height: Int) {
        tmux(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if screen().contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    func close() {
        tmux(["kill-server"])
    }
}

@Suite(.serialized) struct TerminalTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }
    var base: String { swrun.scratch }

    func shell(_ extra: String = "") throws -> Terminal {
        try Terminal("\(Swrun.binary) --root \(swrun.root) run -it \(extra) busybox sh", base: base)
    }

    @Test func interactiveShellSeesAPtyAndExitsWithItsCode() throws {
        let term = try shell("--rm")
        defer { term.close() }
        #expect(term.waitFor("/ #"))
        term.type("tty; echo pid=$$")
        #expect(term.waitFor("/dev/pts/0"))
        #expect(term.waitFor("pid=1"))
        term.type("exit 3")
        #expect(term.waitFor("rc=3"), "\(term.screen())")
    }

    @Test func terminalSizeFollowsResizes() throws {
        let term = try shell("--rm")
        defer { term.close() }
        #expect(term.waitFor("/ #"))
        term.type("stty size")
        #expect(term.waitFor("30 100"), "\(term.screen())")
        term.resize(width: 120, height: 40)
        // The new size reaches the container's pty when swrun handles its SIGWINCH:
        // ask again until it is there.
        let deadline = Date().addingTimeInterval(15)
        var resized = false
        while !resized, Date() < deadline {
            term.type("stty size")
            resized = term.waitFor("40 120", timeout: 1)
        }
        #expect(resized, "\(term.screen())")
        term.type("exit")
        #expect(term.waitFor("rc=0"))
    }

    @Test func ctrlCReachesTheContainerNotSwrun() throws {
        let term = try shell("--rm --name interrupted")
        defer { term.close() }
        #expect(term.waitFor("/ #"))
        term.type("sleep 30")
        // Ctrl-C once the sleep runs; else it would only reach the shell's prompt.
        let deadline = Date().addingTimeInterval(15)
        var sleeping = false
        while !sleeping, Date() < deadline {
            sleeping = swrun.run(["top", "interrupted"]).stdout.contains("sleep 30")
            if !sleeping { usleep(20_000) }
        }
        #expect(sleeping, "\(term.screen())")
        term.send("C-c")
        term.type("echo survived")
        #expect(term.waitFor("survived"), "\(term.screen())")
        term.type("exit 5")
        #expect(term.waitFor("rc=5"), "\(term.screen())")
    }

    @Test func detachKeysLeaveTheContainerRunning() throws {
        let term = try shell("--name attached")
        defer { term.close() }
        #expect(term.waitFor("/ #"))
        term.type("echo before-detach")
        #expect(term.waitFor("before-detach"))
        term.send("C-p", "C-q")
        #expect(term.waitFor("rc=0"), "\(term.screen())")
        let plain = swrun.run(["ps"])
        #expect(plain.stdout.contains("attached") && plain.stdout.contains("Up"), "\(plain)")
        // The output written while attached is in its log.
        let logs = swrun.run(["logs", "attached"])
        #expect(logs.stdout.contains("before-detach"), "\(logs)")
        #expect(swrun.run(["rm", "-f", "attached"]).status == 0)
    }

    @Test func customDetachKeys() throws {
        let term = try Terminal("\(Swrun.binary) --root \(swrun.root) run -it --detach-keys ctrl-x,x --name custom busybox sh", base: base)
        defer { term.close() }
        #expect(term.waitFor("/ #"))
        term.send("C-x", "x")
        #expect(term.waitFor("rc=0"), "\(term.screen())")
        #expect(swrun.run(["ps", "-q"]).lines.count == 1)
        #expect(swrun.run(["rm", "-f", "custom"]).status == 0)
    }

    @Test func itWithoutATerminalWarnsAndRunsWithPipes() {
        let result = swrun.runRm(["-it", "busybox", "sh", "-c", "cat; test -t 0 || echo no-tty"], stdin: Data("piped\n".utf8))
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("the input device is not a TTY"))
        #expect(result.stdout == "piped\nno-tty\n")
    }
}
