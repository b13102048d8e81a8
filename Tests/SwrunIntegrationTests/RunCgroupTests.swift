import Foundation
import Glibc
import Testing

/// Resource limits, seen from inside the container and from the host, on a cgroup v1
/// host and on a cgroup v2 one (`Host.cgroupVersion`). Inside, the cgroup namespace
/// shows the container's own cgroup at the root of /sys/fs/cgroup.
@Suite("run: cgroup limits", .serialized)
struct RunCgroupTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// Runs a container with `flags` that prints the cgroup files (relative to its
    /// /sys/fs/cgroup) named for this host's cgroup version, and expects their values.
    func expectInside(
        _ flags: [String], v1: KeyValuePairs<String, String>, v2: KeyValuePairs<String, String>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let expected = Host.cgroupVersion == .v1 ? v1 : v2
        let script = expected.map { "cat /sys/fs/cgroup/\($0.key)" }.joined(separator: "; ")
        let result = swrun.runRm(flags + ["busybox", "sh", "-c", script])
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        #expect(result.lines == expected.map(\.value), "\(expected.map(\.key)): \(result)", sourceLocation: sourceLocation)
    }

    @Test func memoryLimitIsWritten() {
        expectInside(["--memory", "64m"], v1: ["memory/memory.limit_in_bytes": "67108864"], v2: ["memory.max": "67108864"])
    }

    /// docker's --memory-swap is memory plus swap: v1's memsw limit, while v2's
    /// memory.swap.max holds the swap alone (128m - 64m).
    @Test func memorySwapLimitIsWritten() throws {
        switch Host.cgroupVersion {
        case .v1:
            try #require(Host.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"), "no swap accounting")
        case .v2:
            let listing = swrun.runRm(["--memory", "64m", "busybox", "ls", "/sys/fs/cgroup"])
            try #require(listing.lines.contains("memory.swap.max"), "no swap accounting: \(listing)")
        }
        expectInside(["-m", "64m", "--memory-swap", "128m"],
                     v1: ["memory/memory.limit_in_bytes": "67108864", "memory/memory.memsw.limit_in_bytes": "134217728"],
                     v2: ["memory.max": "67108864", "memory.swap.max": "67108864"])
    }

    @Test func cpusBecomeAQuota() {
        expectInside(["--cpus", "0.5"],
                     v1: ["cpu/cpu.cfs_quota_us": "50000", "cpu/cpu.cfs_period_us": "100000"],
                     v2: ["cpu.max": "50000 100000"])
    }

    /// On v2 the shares become a weight as runc and crun convert them:
    /// 1 + ((512 - 2) * 9999) / 262142 = 20 in integer arithmetic.
    @Test func cpuSharesAreWritten() {
        expectInside(["--cpu-shares", "512"], v1: ["cpu/cpu.shares": "512"], v2: ["cpu.weight": "20"])
    }

    @Test func pidsLimitIsWritten() {
        expectInside(["--pids-limit", "10"], v1: ["pids/pids.max": "10"], v2: ["pids.max": "10"])
    }

    @Test func noLimitsMeansUnlimited() {
        expectInside([],
                     v1: ["pids/pids.max": "max", "cpu/cpu.cfs_quota_us": "-1"],
                     v2: ["pids.max": "max", "cpu.max": "max 100000", "memory.max": "max"])
    }

    @Test func memoryHogIsOOMKilled() {
        let result = swrun.runRm(["--memory", "20m", "--memory-swap", "20m", "busybox", "sh", "-c",
                                  "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"])
        #expect(result.status == 137, "\(result)")
        #expect(!result.stdout.contains("survived"))
    }

    @Test func memoryHogWithDefaultSwapIsOOMKilled() {
        let result = swrun.runRm(["--memory", "20m", "busybox", "sh", "-c",
                                  "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"])
        #expect(result.status == 137, "\(result)")
    }

    @Test func forkBombHitsThePidsLimit() {
        let result = swrun.runRm(["--pids-limit", "10", "busybox", "sh", "-c",
                                  "for i in $(seq 20); do sleep 5 & done; exit 0"])
        #expect(result.stderr.contains("can't fork"), "\(result)")
    }

    @Test func cgroupsAreRemovedAfterRm() {
        let result = swrun.runRm(["--memory", "32m", "--pids-limit", "50", "busybox", "hostname"])
        #expect(result.status == 0, "\(result)")
        let short = result.out
        #expect(short.count == 12)
        for parent in Host.cgroupParentDirectories() {
            let children = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
            #expect(!children.contains { $0.hasPrefix(short) }, "\(parent) still holds \(short)…")
        }
        #expect(swrun.containerDirectories().isEmpty)
        #expect(!(Host.read("/proc/self/mountinfo") ?? "").contains(swrun.root))
    }

    @Test func cgroupsAreRemovedAfterRmOfAStoppedContainer() {
        let result = swrun.run(["run", "--memory", "32m", "busybox", "true"])
        #expect(result.status == 0, "\(result)")
        let ids = swrun.containerIDs()
        #expect(ids.count == 1)
        guard let id = ids.first else { return }
        let removed = swrun.run(["rm", id])
        #expect(removed.status == 0, "\(removed)")
        #expect(Host.remainingCgroupDirectories(id: id).isEmpty, "cgroup left behind")
    }

    @Test func cgroupParentPlacesTheContainer() throws {
        let parent = "swrun-it-parent-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            for directory in Host.cgroupParentDirectories(parent) {
                for child in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where child.count == 64 {
                    rmdir(directory + "/" + child)
                }
                rmdir(directory)
            }
        }
        let running = try swrun.start(["run", "--rm", "--cgroup-parent", parent, "--memory", "48m",
                                       "busybox", "sh", "-c", "trap 'exit 0' TERM; hostname; sleep 30 & wait"])
        #expect(running.waitForOutput("\n"))
        defer { running.signal(SIGKILL) }
        var found: String?
        let deadline = Date().addingTimeInterval(5)
        while found == nil, Date() < deadline {
            found = Host.containerCgroups(parent: parent).first
            if found == nil { usleep(25_000) }
        }
        let id = try #require(found, "no container cgroup under \(Host.cgroupParentDirectories(parent))")
        let memory = Host.containerCgroupDirectory("memory", parent: parent, id: id)
        let limitFile = Host.cgroupVersion == .v1 ? "memory.limit_in_bytes" : "memory.max"
        #expect(Host.read(memory + "/" + limitFile)?.trimmingCharacters(in: .newlines) == "50331648")
        let procs = Host.read(Host.containerCgroupDirectory("pids", parent: parent, id: id) + "/cgroup.procs") ?? ""
        #expect(!procs.isEmpty, "the container's processes are in its cgroup")
        #expect(Host.remainingCgroupDirectories(id: id).isEmpty, "also placed under swrun/")
        running.signal(SIGTERM)
        let result = running.wait(timeout: 10)
        #expect(!result.timedOut, "\(result)")
        #expect(result.out == String(id.prefix(12)))
        #expect(Host.remainingCgroupDirectories(parent: parent, id: id).isEmpty, "cgroup left behind after --rm")
    }
}
