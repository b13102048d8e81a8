import Foundation
import Testing

@Suite(.serialized) struct DetachedTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func binaryStreamRoundTripsExactly() throws {
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let input = Data(bytes)
        let (status, output) = try pipe(input, through: ["busybox", "cat"])
        #expect(status == 0)
        #expect(output.count == input.count)
        #expect(output == input)
    }

    /// The container writes 4 MB before it reads anything while the client sends 4 MB:
    /// every buffer between them fills in both directions at once. A relay that blocks
    /// on a send there deadlocks every time (the intermittent hang of the test above).
    @Test func inputQueuedBehindOutputDoesNotDeadlock() throws {
        let size = 4 * 1024 * 1024
        let input = Data(repeating: UInt8(ascii: "a"), count: size)
        let (status, output) = try pipe(input, through: ["busybox", "sh", "-c", "head -c \(size) /dev/zero; cat"])
        #expect(status == 0)
        #expect(output.count == 2 * size)
        #expect(output.prefix(size).allSatisfy { $0 == 0 })
        #expect(output.suffix(size) == input)
    }

    /// `run --rm -i` with `input` written to its stdin by another thread.
    private func pipe(_ input: Data, through command: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Swrun.binary)
        process.arguments = ["--root", swrun.root, "run", "--rm", "-i"] + command
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // The writer fails instead of killing the test run by SIGPIPE if swrun dies.
        signal(SIGPIPE, SIG_IGN)
        // Plain write(2): it stops at the first error (EPIPE once swrun is gone), where
        // FileHandle's writer was seen spinning on a dead pipe.
        let inputFD = stdin.fileHandleForWriting.fileDescriptor
        let writer = Thread {
            input.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < bytes.count {
                    let n = write(inputFD, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    offset += n
                }
            }
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        // A stuck relay fails the test after two minutes instead of hanging the run.
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, output)
    }

    @Test func stdoutAndStderrStaySeparate() {
        let result = swrun.runRm(["busybox", "sh", "-c", "echo out; echo err >&2; echo out2"])
        #expect(result.stdout == "out\nout2\n")
        #expect(result.stderr == "err\n")
    }

    /// The monitor gives its program text back after a second without work; the quiet
    /// spell in the middle is the scenario (not a wait for something), so the relay and
    /// the log must work from code faulted back in.
    @Test func outputAfterAQuietSpellStillReachesClientAndLog() {
        let run = swrun.run(["run", "--name", "quiet", "busybox", "sh", "-c", "echo before; sleep 1.5; echo after >&2; echo done"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout == "before\ndone\n", "\(run)")
        #expect(run.stderr == "after\n", "\(run)")
        let logs = swrun.run(["logs", "quiet"])
        #expect(logs.stdout == "before\ndone\n", "\(logs)")
        #expect(logs.stderr == "after\n", "\(logs)")
    }

    @Test func detachedRunPrintsTheIDAndLogsInOrder() {
        let run = swrun.run(["run", "-d", "--name", "bg", "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; echo err$i >&2; done; sleep 0.3; echo last"])
        #expect(run.status == 0, "\(run)")
        #expect(run.out.count == 64 && run.out.allSatisfy(\.isHexDigit), "\(run)")
        let code = swrun.run(["wait", "bg"])
        #expect(code.out == "0", "\(code)")
        let logs = swrun.run(["logs", "bg"])
        #expect(logs.stdout == "line1\nline2\nline3\nlast\n", "\(logs)")
        #expect(logs.stderr == "err1\nerr2\nerr3\n", "\(logs)")
        let ps = swrun.run(["ps", "-a"])
        #expect(ps.stdout.contains("Exited (0)"), "\(ps)")
        // The state is written by the monitor, not by a client that stayed around.
        let log = Host.read(swrun.root + "/containers/" + run.out + "/container.log") ?? ""
        #expect(log.hasPrefix("{\"log\":\"line1\\n\",\"stream\":\"stdout\",\"time\":\""), "\(log)")
    }

    @Test func detachedAutoRemoveCleansUpAfterExit() {
        let run = swrun.run(["run", "-d", "--rm", "busybox", "true"])
        #expect(run.status == 0, "\(run)")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !swrun.containerDirectories().isEmpty { usleep(20_000) }
        #expect(swrun.containerDirectories().isEmpty)
        #expect(Host.remainingCgroupDirectories(id: run.out).isEmpty)
    }

    @Test func killedForegroundClientLeavesATrueState() throws {
        let client = try swrun.start(["run", "--name", "orphan", "busybox", "sh", "-c", "echo up; sleep 1; exit 4"])
        #expect(client.waitForOutput("up"))
        client.signal(SIGKILL)
        _ = client.wait(timeout: 10)
        let running = swrun.run(["ps"])
        #expect(running.stdout.contains("orphan"), "\(running)")
        #expect(swrun.run(["wait", "orphan"]).out == "4")
        let ps = swrun.run(["ps", "-a"])
        #expect(ps.stdout.contains("Exited (4)"), "\(ps)")
        #expect(!swrun.run(["ps"]).stdout.contains("orphan"))
    }

    @Test func rmForceRemovesARunningOrphanWithItsCgroup() throws {
        let client = try swrun.start(["run", "--name", "victim", "busybox", "sh", "-c", "echo up; exec sleep 60"])
        #expect(client.waitForOutput("up"))
        client.signal(SIGKILL)
        _ = client.wait(timeout: 10)
        let id = swrun.run(["ps", "-q", "--no-trunc"]).out
        #expect(id.count == 64)
        let cgroups = Host.containerCgroupDirectories(id: id)
        #expect(!cgroups.isEmpty && Host.remainingCgroupDirectories(id: id) == cgroups, "\(cgroups)")
        #expect(swrun.run(["rm", "-f", "victim"]).status == 0)
        #expect(swrun.containerDirectories().isEmpty)
        #expect(Host.remainingCgroupDirectories(id: id).isEmpty)
        let mounts = Host.read("/proc/self/mountinfo") ?? ""
        #expect(!mounts.contains(swrun.root))
    }

    @Test("wait on a -d --rm container gets its exit code; then the container is gone")
    func waitOnAutoRemovedContainer() {
        let started = swrun.run(["run", "-d", "--rm", "--name", "shortlived", "busybox", "sh", "-c", "sleep 1; exit 6"])
        #expect(started.status == 0, "\(started)")
        let waited = swrun.run(["wait", "shortlived"])
        #expect(waited.status == 0 && waited.out == "6", "\(waited)")
        for _ in 0..<100 where !swrun.containerDirectories().isEmpty { usleep(20_000) }
        #expect(swrun.containerDirectories().isEmpty)
    }

    @Test func startKeepsTheUpperDir() {
        let first = swrun.run(["run", "--name", "keeper", "busybox", "sh", "-c", "echo persisted > /data; echo one"])
        #expect(first.stdout == "one\n", "\(first)")
        let start = swrun.run(["start", "-a", "keeper"])
        #expect(start.status == 0, "\(start)")
        #expect(start.stdout == "one\n")
        let check = swrun.run(["start", "keeper"])
        #expect(check.status == 0, "\(check)")
        #expect(swrun.run(["wait", "keeper"]).out == "0")
        let id = swrun.run(["ps", "-aq", "--no-trunc"]).out
        #expect(Host.read(swrun.root + "/containers/" + id + "/upper/data") == "persisted\n")
    }

    @Test func thirtyDetachedContainersStartListAndGoAway() {
        var ids: [String] = []
        for _ in 0..<30 {
            let run = swrun.run(["run", "-d", "busybox", "sleep", "300"])
            #expect(run.status == 0, "\(run)")
            ids.append(run.out)
        }
        let ps = swrun.run(["ps", "-q", "--no-trunc"])
        #expect(Set(ps.lines) == Set(ids))
        let pids = ids.compactMap { id in
            Int(swrun.run(["inspect", "-f", "{{.State.Pid}}", id]).out)
        }
        #expect(pids.count == 30 && pids.allSatisfy { $0 > 1 })
        let rm = swrun.run(["rm", "-f"] + ids)
        #expect(rm.status == 0, "\(rm)")
        #expect(swrun.containerDirectories().isEmpty)
        for id in ids {
            #expect(Host.remainingCgroupDirectories(id: id).isEmpty, "\(id)")
        }
        let mounts = Host.read("/proc/self/mountinfo") ?? ""
        #expect(!mounts.contains(swrun.root))
        // Other suites may run `sleep 300` too: check this test's own PID 1s.
        for pid in pids {
            #expect(!Host.exists("/proc/\(pid)"), "pid \(pid) still exists")
        }
    }
}
