import Foundation
import Testing

@Suite(.serialized) struct ExecTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// A detached container that wrote /tmp/f and sleeps; returns its full ID.
    func startTarget(_ name: String = "target", _ extra: [String] = []) -> String {
        let run = swrun.run(["run", "-d", "--name", name] + extra + ["busybox", "sh", "-c", "echo from-pid1 > /tmp/f; exec sleep 300"])
        #expect(run.status == 0, "\(run)")
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !(Host.read(swrun.root + "/containers/" + run.out + "/upper/tmp/f") ?? "").hasSuffix("\n") {
            usleep(10_000)
        }
        return run.out
    }

    func statusField(_ field: String, _ text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(field + ":") }.map {
            String($0.dropFirst(field.count + 1)).trimmingCharacters(in: .whitespaces)
        }
    }

    @Test func seesTheContainersFilesHostnameAndPIDNamespace() {
        let id = startTarget()
        let result = swrun.run(["exec", "target", "sh", "-c", "cat /tmp/f; hostname; cat /proc/1/cmdline | tr '\\0' ' ' | sed 's/ $//'; echo; echo $$"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.count == 4, "\(result)")
        #expect(result.lines.first == "from-pid1")
        #expect(result.lines.dropFirst().first == String(id.prefix(12)))
        #expect(result.lines.dropFirst(2).first == "sleep 300")
        // A child of the container's PID namespace, not PID 1 and not a host PID.
        let pid = Int(result.lines.last ?? "") ?? 0
        #expect(pid > 1 && pid < 100, "\(result)")
    }

    @Test func sameCgroupCapabilitiesAndSeccompAsPIDOne() {
        _ = startTarget()
        let mine = swrun.run(["exec", "target", "sh", "-c", "cat /proc/self/cgroup; echo ---; cat /proc/self/status"])
        let pid1 = swrun.run(["exec", "target", "sh", "-c", "cat /proc/1/cgroup; echo ---; cat /proc/1/status"])
        let myParts = mine.stdout.components(separatedBy: "---\n")
        let theirParts = pid1.stdout.components(separatedBy: "---\n")
        #expect(myParts.count == 2 && theirParts.count == 2, "\(mine) \(pid1)")
        #expect(myParts.first == theirParts.first)
        #expect(statusField("CapEff", mine.stdout) == "00000000a80425fb")
        #expect(statusField("CapEff", mine.stdout) == statusField("CapEff", pid1.stdout))
        #expect(statusField("CapBnd", mine.stdout) == statusField("CapBnd", pid1.stdout))
        #expect(statusField("Seccomp", mine.stdout) == "2")
        #expect(statusField("NoNewPrivs", mine.stdout) == statusField("NoNewPrivs", pid1.stdout))
        // The container's masked paths apply: it sees the container's mount tree.
        #expect(swrun.run(["exec", "target", "cat", "/proc/timer_list"]).stdout == "")
        #expect(swrun.run(["exec", "target", "mount", "-t", "tmpfs", "none", "/tmp"]).status != 0)
    }

    @Test func exitCodes() {
        _ = startTarget()
        #expect(swrun.run(["exec", "target", "sh", "-c", "exit 7"]).status == 7)
        let missing = swrun.run(["exec", "target", "nosuchcommand"])
        #expect(missing.status == 127, "\(missing)")
        #expect(missing.stderr.contains("executable file not found"))
        #expect(swrun.run(["exec", "target", "/etc/passwd"]).status == 126)
        #expect(swrun.run(["exec", "nosuchcontainer", "true"]).status == 125)
        #expect(swrun.run(["exec", "target"]).status != 0)
    }

    @Test func stoppedAndPausedContainersAreRefused() {
        #expect(swrun.run(["run", "--name", "done", "busybox", "true"]).status == 0)
        let stopped = swrun.run(["exec", "done", "true"])
        #expect(stopped.status == 125)
        #expect(stopped.stderr.contains("is not running"), "\(stopped)")
        _ = startTarget()
        #expect(swrun.run(["pause", "target"]).status == 0)
        let paused = swrun.run(["exec", "target", "true"])
        #expect(paused.status == 125)
        #expect(paused.stderr.contains("paused"), "\(paused)")
        #expect(swrun.run(["unpause", "target"]).status == 0)
    }

    @Test func environmentWorkdirAndUser() {
        _ = startTarget("target", ["-e", "FROM_RUN=1", "-w", "/srv"])
        let result = swrun.run(["exec", "-e", "EXTRA=2", "target", "sh", "-c", "echo $FROM_RUN $EXTRA; pwd; id -u"])
        #expect(result.lines == ["1 2", "/srv", "0"], "\(result)")
        let other = swrun.run(["exec", "-w", "/tmp", "-u", "nobody", "target", "sh", "-c", "pwd; id; echo $HOME"])
        #expect(other.lines == ["/tmp", "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)", "/nonexistent"], "\(other)")
        // Nothing from the host's environment leaks in.
        let env = swrun.run(["exec", "target", "env"])
        #expect(!env.stdout.contains("SWRUN_BIN") && !env.stdout.contains("HOSTNAME=vm"), "\(env)")
    }

    @Test func onlyStandardFdsReachTheCommand() {
        _ = startTarget()
        let result = swrun.run(["exec", "target", "sh", "-c", "ls /proc/$$/fd; true"])
        #expect(result.lines == ["0", "1", "2"], "\(result)")
    }

    @Test func binaryStdinPassesThroughExactly() throws {
        _ = startTarget()
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let input = swrun.scratch + "/in.bin"
        FileManager.default.createFile(atPath: input, contents: Data(bytes))
        let output = swrun.scratch + "/out.bin"
        let status = Terminal.shell("timeout -k 5 120 \(Swrun.binary) --root \(swrun.root) exec -i target cat < \(input) > \(output)")
        #expect(status == 0)
        #expect(FileManager.default.contents(atPath: output) == Data(bytes))
    }

    @Test func detachedExecRunsAndIsReaped() {
        _ = startTarget()
        // The detached command waits for /tmp/go, so it is surely running when top looks.
        let exec = swrun.run(["exec", "-d", "target", "sh", "-c", "until [ -e /tmp/go ]; do sleep 0.05; done; echo done > /tmp/d"])
        #expect(exec.status == 0, "\(exec)")
        let during = swrun.run(["top", "target"])
        #expect(during.stdout.contains("until [ -e /tmp/go ]"), "\(during)")
        #expect(swrun.run(["exec", "target", "touch", "/tmp/go"]).status == 0)
        var done = ""
        let deadline = Date().addingTimeInterval(10)
        while done != "done", Date() < deadline {
            usleep(20_000)
            done = swrun.run(["exec", "target", "sh", "-c", "cat /tmp/d 2>/dev/null; true"]).out
        }
        #expect(done == "done")
        // The detached shell goes away (a zombie would stay in the list), leaving only
        // PID 1: no zombies in the container, and no exec monitor left on the host.
        var top = swrun.run(["top", "target"])
        while top.lines.count != 2, Date() < deadline {
            usleep(20_000)
            top = swrun.run(["top", "target"])
        }
        #expect(top.lines.count == 2, "\(top)")
        let zombies = swrun.run(["exec", "target", "sh", "-c", "grep -l '^State:.*Z' /proc/[0-9]*/status || true"])
        #expect(zombies.out == "", "\(zombies)")
    }

    @Test func execWithATerminal() throws {
        _ = startTarget()
        let term = try Terminal("\(Swrun.binary) --root \(swrun.root) exec -it target sh", base: swrun.scratch)
        defer { term.close() }
        #expect(term.waitFor("#"))
        term.type("tty; stty size")
        #expect(term.waitFor("/dev/pts/"), "\(term.screen())")
        #expect(term.waitFor("30 100"), "\(term.screen())")
        term.type("exit 4")
        #expect(term.waitFor("rc=4"), "\(term.screen())")
    }

    @Test func hostileContainerCannotOverwriteTheSwrunBinaries() throws {
        // The container loops trying to open every /proc/*/exe for writing, while we
        // exec into it: the swrun binaries on the host stay byte for byte the same.
        let attack = "while true; do for f in /proc/[0-9]*/exe; do (echo pwned >> $f) 2>/dev/null; done; done"
        #expect(swrun.run(["run", "-d", "--name", "hostile", "busybox", "sh", "-c", attack]).status == 0)
        let binaries = [Swrun.binary, URL(fileURLWithPath: Swrun.binary).deletingLastPathComponent().appendingPathComponent("swrun-init").path]
        let before = binaries.map { Host.run("/usr/bin/sha256sum", [$0]).stdout }
        for _ in 0..<5 {
            #expect(swrun.run(["exec", "hostile", "true"]).status == 0)
        }
        let after = binaries.map { Host.run("/usr/bin/sha256sum", [$0]).stdout }
        #expect(before == after)
        #expect(before.allSatisfy { !$0.isEmpty })
    }

    @Test func workdirThroughProcSelfFdStaysInside() {
        _ = startTarget()
        // CVE-2024-21626: a working dir given as /proc/self/fd/N must not reach a host
        // directory; with only fds 0-2 open there is nothing to reach.
        for n in 3..<9 {
            let result = swrun.run(["exec", "-w", "/proc/self/fd/\(n)", "target", "sh", "-c", "ls /etc/hostname 2>/dev/null; cat ../../../etc/os-release 2>/dev/null | head -n1"])
            #expect(!result.stdout.contains("Debian GNU/Linux 12"), "fd \(n): \(result)")
        }
    }
}
