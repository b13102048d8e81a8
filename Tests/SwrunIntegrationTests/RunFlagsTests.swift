import Foundation
import Glibc
import Testing

/// Issue 16's run flags as a user meets them: docker's refusals (exit 125, nothing
/// created), labels, the ID file, stop defaults, --pull, /dev/shm, devices, sysctls,
/// the namespace modes, the OOM score and cpusets.
@Suite("run: lifecycle and host flags", .serialized)
struct RunFlagsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    func inspect(_ name: String) -> [String: Any] {
        let result = swrun.run(["inspect", name])
        let array = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return array?.first ?? [:]
    }

    @Test(arguments: [
        (["-m", "1k"], "swrun: Minimum memory limit allowed is 6MB"),
        (["-m", "64m", "--memory-swap", "32m"], "swrun: Minimum memoryswap limit should be larger than memory limit, see usage"),
        (["--memory-swap", "64m"], "swrun: You should always set the Memory limit when using Memoryswap limit, see usage"),
        (["--cpus", "100000"], "swrun: Range of CPUs is from 0.01 to"),
        (["--cpuset-cpus", "100000"], "swrun: Requested CPUs are not available - requested 100000"),
        (["--oom-score-adj", "5000"], "swrun: Invalid value 5000, range for oom score adj is [-1000, 1000]"),
        (["--sysctl", "kernel.hostname=x"], "swrun: invalid argument \"kernel.hostname=x\" for \"--sysctl\" flag: sysctl 'kernel.hostname=x' is not allowed"),
        (["--ipc", "bogus"], "swrun: --ipc: invalid IPC mode"),
        (["--pull", "sometimes"], "swrun: invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or \"never\""),
        (["--stop-signal", "NOPE"], "swrun: Invalid signal: NOPE"),
    ])
    func badValuesAreRefusedBeforeAnythingStarts(flags: [String], message: String) {
        let result = swrun.run(["run", "--rm"] + flags + ["busybox", "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.err.hasPrefix(message), "\(result)")
        #expect(swrun.containerIDs().isEmpty)
    }

    /// Values docker takes as "no limit" or negative numbers given as a separate argument.
    @Test(arguments: [["--memory-swap", "-1", "-m", "8m"], ["--pids-limit", "-1"], ["--cpus", "0"], ["-m", "0"],
                      ["--oom-score-adj", "100"], ["--stop-timeout", "-1"]])
    func unlimitedAndNegativeValuesAreTaken(flags: [String]) {
        let result = swrun.runRm(flags + ["busybox", "echo", "ok"])
        #expect(result.status == 0, "\(result)")
        #expect(result.out == "ok")
    }

    @Test func labelsMergeOverTheImagesAndShowInPsAndInspect() throws {
        let file = swrun.scratch + "/labels"
        try "# a comment\nfrom.file=yes\ntier=file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = swrun.run(["run", "--name", "lab", "--label", "tier=front", "-l", "empty", "--label-file", file, "busybox", "true"])
        #expect(run.status == 0, "\(run)")
        let labels = (inspect("lab")["Config"] as? [String: Any])?["Labels"] as? [String: String]
        #expect(labels == ["tier": "front", "empty": "", "from.file": "yes"])
        let ps = swrun.run(["ps", "-a", "--format", "{{.Labels}}|{{.Label \"tier\"}}|{{.Label \"missing\"}}"])
        #expect(ps.out == "empty=,from.file=yes,tier=front|front|", "\(ps)")
    }

    @Test func cidfileGetsTheIDAndIsNeverOverwritten() throws {
        let path = swrun.scratch + "/cid"
        let first = swrun.run(["run", "--cidfile", path, "busybox", "true"])
        #expect(first.status == 0, "\(first)")
        let id = try String(contentsOfFile: path, encoding: .utf8)
        #expect(swrun.containerIDs() == [id])
        let second = swrun.run(["run", "--cidfile", path, "busybox", "true"])
        #expect(second.status == 125)
        #expect(second.err == "swrun: Container ID file found, make sure the other container isn't running or delete \(path)")
        #expect(swrun.containerIDs() == [id])
    }

    /// `--stop-signal` reaches `stop` (the container ends with the signal it traps),
    /// and both are in inspect.
    @Test func stopSignalAndTimeoutAreTheStopDefaults() throws {
        let run = swrun.run(["run", "-d", "--name", "stopper", "--stop-signal", "USR1", "--stop-timeout", "30", "busybox", "sh", "-c",
                             "trap 'exit 7' USR1; echo ready; while true; do sleep 0.1; done"])
        #expect(run.status == 0, "\(run)")
        let logs = try swrun.start(["logs", "-f", "stopper"])
        #expect(logs.waitForOutput("ready"))
        let config = inspect("stopper")["Config"] as? [String: Any]
        #expect(config?["StopSignal"] as? String == "USR1")
        #expect(config?["StopTimeout"] as? Int == 30)
        #expect(swrun.run(["stop", "stopper"]).status == 0)
        // `wait` reads the exit record the monitor writes (inspect may run before it).
        #expect(swrun.run(["wait", "stopper"]).out == "7")
        _ = logs.wait()
    }

    @Test func pullNeverWithAMissingImageSaysNoSuchImage() {
        let result = swrun.run(["run", "--rm", "--pull", "never", "nosuch/image:1", "true"])
        #expect(result.status == 125)
        #expect(result.err == "swrun: No such image: nosuch/image:1", "\(result)")
        #expect(swrun.runRm(["--pull", "never", "busybox", "true"]).status == 0)
    }

    @Test func shmSizeSizesDevShm() {
        let result = swrun.runRm(["--shm-size", "16m", "busybox", "sh", "-c", "df -k /dev/shm | tail -1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.out.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "16384", "\(result)")
    }

    @Test func deviceIsMadeInTheContainer() {
        let result = swrun.runRm(["--device", "/dev/zero:/dev/myzero:r", "busybox", "sh", "-c",
                                  "ls -l /dev/myzero; head -c 3 /dev/myzero | od -An -tx1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.first?.hasPrefix("crw") == true, "\(result)")
        #expect(result.lines.last?.trimmingCharacters(in: .whitespaces) == "00 00 00", "\(result)")
    }

    @Test func sysctlIsSetInTheContainersNamespace() {
        let result = swrun.runRm(["--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmni=1000", "busybox", "sh", "-c",
                                  "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["1", "1000"])
    }

    @Test func oomScoreAdjAndCpuset() {
        let result = swrun.runRm(["--oom-score-adj", "300", "--cpuset-cpus", "0", "busybox", "sh", "-c",
                                  "cat /proc/self/oom_score_adj; grep Cpus_allowed_list /proc/self/status"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.first == "300")
        #expect(result.lines.last?.hasSuffix("\t0") == true, "\(result)")
    }

    /// `--pid host` sees the host's processes; `--uts host` its host name; `--ipc
    /// container:X` shares X's IPC namespace (X must be shareable).
    @Test func namespaceModes() throws {
        let mine = String(getpid())
        let pid = swrun.runRm(["--pid", "host", "busybox", "sh", "-c", "test -d /proc/\(mine) && echo seen"])
        #expect(pid.out == "seen", "\(pid)")

        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let uts = swrun.runRm(["--uts", "host", "busybox", "hostname"])
        #expect(uts.out == String(cString: name), "\(uts)")

        #expect(swrun.run(["run", "-d", "--name", "donor", "--ipc", "shareable", "busybox", "sleep", "600"]).status == 0)
        let donorIPC = swrun.run(["exec", "donor", "readlink", "/proc/self/ns/ipc"]).out
        let joined = swrun.runRm(["--ipc", "container:donor", "busybox", "readlink", "/proc/self/ns/ipc"])
        #expect(joined.status == 0, "\(joined)")
        #expect(joined.out == donorIPC)
        #expect((inspect("donor")["HostConfig"] as? [String: Any])?["IpcMode"] as? String == "shareable")

        #expect(swrun.run(["run", "-d", "--name", "private", "busybox", "sleep", "600"]).status == 0)
        let refused = swrun.runRm(["--ipc", "container:private", "busybox", "true"])
        #expect(refused.status == 125)
        #expect(refused.err == "swrun: non-shareable IPC (hint: use IpcMode:shareable for the donor container)")
        let sharedPID = swrun.runRm(["--pid", "container:donor", "busybox", "ps", "-o", "comm"])
        #expect(sharedPID.lines.contains("sleep"), "\(sharedPID)")
    }
}
