import Foundation
import Glibc
import Testing

/// The container's process: environment, user, working directory, entrypoint, rlimits,
/// file descriptors, the --init reaper, and signal forwarding.
@Suite("run: the container process", .serialized)
struct RunProcessTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func defaultEnvironment() {
        let result = swrun.runRm(["busybox", "env"])
        #expect(result.status == 0, "\(result)")
        let env = Set(result.lines)
        #expect(env.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        #expect(env.contains("HOME=/root"))
        #expect(result.lines.contains { $0.hasPrefix("HOSTNAME=") && $0.count == "HOSTNAME=".count + 12 })
        #expect(!result.lines.contains { $0.hasPrefix("SWRUN") || $0.hasPrefix("_SWRUN") }, "\(result)")
    }

    @Test func envFlagsAndEnvFile() throws {
        let file = swrun.scratch + "/env.list"
        try Data("# a comment\nFROM_FILE=one\n\nB=from-file\n".utf8).write(to: URL(fileURLWithPath: file))
        let result = swrun.runRm(["-e", "A=b", "--env-file", file, "-e", "B=from-flag", "-e", "EMPTY=",
                                  "busybox", "sh", "-c", "echo \"$A|$FROM_FILE|$B|${EMPTY-unset}|\""])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "b|one|from-flag||\n")
    }

    @Test func envOverridesPathAndHome() {
        let result = swrun.runRm(["-e", "HOME=/elsewhere", "-e", "PATH=/bin", "busybox", "sh", "-c", "echo $HOME $PATH"])
        #expect(result.out == "/elsewhere /bin", "\(result)")
    }

    @Test func userNobodyByName() {
        let result = swrun.runRm(["-u", "nobody", "busybox", "sh", "-c", "id; echo $HOME"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)", "/nonexistent"])
    }

    @Test func numericUserAndGroup() {
        let result = swrun.runRm(["-u", "1000:1000", "busybox", "sh", "-c", "id -u; id -g; id -G; echo $HOME"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["1000", "1000", "1000", "/"])
    }

    @Test func groupAdd() {
        let result = swrun.runRm(["-u", "1000:1000", "--group-add", "4242", "busybox", "id", "-G"])
        #expect(result.status == 0, "\(result)")
        #expect(result.out == "1000 4242")
    }

    @Test func unknownUserIsASwrunError() {
        let result = swrun.runRm(["-u", "nosuchuser", "busybox", "true"])
        #expect(result.status == 125 || result.status == 126, "\(result)")
        #expect(result.stderr.contains("nosuchuser"), "\(result)")
    }

    @Test func workdirIsCreatedAndUsed() {
        let result = swrun.runRm(["-w", "/new/dir", "busybox", "sh", "-c", "pwd; ls -ld /new/dir | cut -c1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["/new/dir", "d"])
    }

    @Test func relativeWorkdirIsRejected() {
        let result = swrun.runRm(["-w", "x", "busybox", "pwd"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stdout == "")
    }

    @Test func entrypointOverride() {
        let result = swrun.runRm(["--entrypoint", "echo", "busybox", "a", "b"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "a b\n")
        let noArgs = swrun.runRm(["--entrypoint", "/bin/pwd", "-w", "/etc", "busybox"])
        #expect(noArgs.stdout == "/etc\n", "\(noArgs)")
    }

    @Test func imageDefaultCommandRuns() {
        // busybox's config has CMD ["sh"]; with stdin at EOF the shell exits 0 at once.
        let result = swrun.runRm(["-i", "busybox"], stdin: Data("echo from-default-cmd\n".utf8))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from-default-cmd\n")
    }

    @Test func ulimitNofile() {
        let result = swrun.runRm(["--ulimit", "nofile=512:1024", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["512", "1024"])
    }

    @Test func ulimitSoftOnlySetsBoth() {
        let result = swrun.runRm(["--ulimit", "nproc=300", "busybox", "sh", "-c", "ulimit -u; ulimit -Hu"])
        #expect(result.lines == ["300", "300"], "\(result)")
    }

    @Test func onlyStandardDescriptorsAreOpen() {
        let result = swrun.runRm(["busybox", "sh", "-c", "ls /proc/$$/fd; true"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["0", "1", "2"])
    }

    @Test func noDescriptorsLeakIntoProcessesOfTheContainer() {
        // ls lists its own fds: 0-2 plus the one it opened for the directory (3).
        let result = swrun.runRm(["busybox", "ls", "/proc/self/fd"])
        #expect(result.lines == ["0", "1", "2", "3"], "\(result)")
    }

    @Test func initMakesTheCommandNotPIDOne() {
        let result = swrun.runRm(["--init", "busybox", "sh", "-c", "echo $$; cat /proc/1/cmdline | tr '\\0' ' '"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.count == 2)
        #expect(result.lines.first != "1", "\(result)")
        #expect(result.lines.last?.hasPrefix("sh ") == false, "PID 1 is the init, not the shell: \(result)")
    }

    @Test func initReapsOrphans() {
        // A grandchild orphaned to PID 1 must be reaped: no zombie is left in the table.
        let result = swrun.runRm(["--init", "busybox", "sh", "-c",
                                  "(sleep 0.2 &) ; sleep 0.6; grep -l zombie /proc/[0-9]*/status 2>/dev/null | wc -l"])
        #expect(result.status == 0, "\(result)")
        #expect(result.out.trimmingCharacters(in: .whitespaces) == "0")
    }

    @Test func initPassesTheExitCode() {
        let result = swrun.runRm(["--init", "busybox", "sh", "-c", "exit 42"])
        #expect(result.status == 42, "\(result)")
    }

    @Test func sigtermToSwrunStopsAnInitContainerQuickly() throws {
        let running = try swrun.start(["run", "--rm", "--init", "busybox", "sh", "-c", "echo ready; exec sleep 30"])
        #expect(running.waitForOutput("ready"))
        let sent = Date()
        running.signal(SIGTERM)
        let result = running.wait(timeout: 10)
        #expect(!result.timedOut, "\(result)")
        #expect(result.status == 143, "\(result)")
        #expect(Date().timeIntervalSince(sent) < 5)
        #expect(swrun.containerDirectories().isEmpty)
    }

    @Test func sigtermIsForwardedToTheCommand() throws {
        let running = try swrun.start(["run", "--rm", "busybox", "sh", "-c",
                                       "trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done"])
        #expect(running.waitForOutput("ready"))
        running.signal(SIGTERM)
        let result = running.wait(timeout: 10)
        #expect(!result.timedOut, "\(result)")
        #expect(result.status == 7, "\(result)")
        #expect(result.stdout == "ready\n")
    }

    @Test func sigintIsForwardedToo() throws {
        let running = try swrun.start(["run", "--rm", "busybox", "sh", "-c",
                                       "trap 'exit 9' INT; echo ready; while true; do sleep 0.1; done"])
        #expect(running.waitForOutput("ready"))
        running.signal(SIGINT)
        let result = running.wait(timeout: 10)
        #expect(result.status == 9, "\(result)")
    }
}
