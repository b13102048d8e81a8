import Foundation
import Glibc
import Testing

/// Resource limits on a cgroup v1 host, seen from inside the container and from the host.
@Suite("run: cgroup limits", .serialized, .enabled(if: Host.hasCgroupV1))
struct RunCgroupTests {
    static let controllers = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio", "cpuset"]
        .filter { Host.exists("/sys/fs/cgroup/" + $0) }

    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// Runs `cat` of cgroup files inside a container with `flags`, one value per line.
    func readInside(_ flags: [String], _ files: [String]) -> [String] {
        let script = files.map { "cat /sys/fs/cgroup/\($0)" }.joined(separator: "; ")
        let result = swrun.runRm(flags + ["busybox", "sh", "-c", script])
        #expect(result.status == 0, "\(result)")
        return result.lines
    }

    @Test func memoryLimitIsWritten() {
        let values = readInside(["--memory", "64m"], ["memory/memory.limit_in_bytes"])
        #expect(values == ["67108864"])
    }

    @Test func memorySwapLimitIsWritten() throws {
        try #require(Host.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"), "no swap accounting")
        let values = readInside(["-m", "64m", "--memory-swap", "128m"], ["memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes"])
        #expect(values == ["67108864", "134217728"])
    }

    @Test func cpusBecomeAQuota() {
        let values = readInside(["--cpus", "0.5"], ["cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us"])
        #expect(values == ["50000", "100000"])
    }

    @Test func cpuSharesAreWritten() {
        #expect(readInside(["--cpu-shares", "512"], ["cpu/cpu.shares"]) == ["512"])
    }

    @Test func pidsLimitIsWritten() {
        #expect(readInside(["--pids-limit", "10"], ["pids/pids.max"]) == ["10"])
    }

    @Test func noLimitsMeansUnlimited() {
        let values = readInside([], ["pids/pids.max", "cpu/cpu.cfs_quota_us"])
        #expect(values == ["max", "-1"])
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
        for controller in Self.controllers {
            let parent = "/sys/fs/cgroup/\(controller)/swrun"
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
        for controller in Self.controllers {
            #expect(!Host.exists("/sys/fs/cgroup/\(controller)/swrun/\(id)"), "\(controller) cgroup left behind")
        }
    }

    @Test func cgroupParentPlacesTheContainer() throws {
        let parent = "swrun-it-parent-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            for controller in Self.controllers {
                let dir = "/sys/fs/cgroup/\(controller)/\(parent)"
                for child in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where child.count == 64 {
                    rmdir(dir + "/" + child)
                }
                rmdir(dir)
            }
        }
        let running = try swrun.start(["run", "--rm", "--cgroup-parent", parent, "--memory", "48m",
                                       "busybox", "sh", "-c", "trap 'exit 0' TERM; hostname; sleep 30 & wait"])
        #expect(running.waitForOutput("\n"))
        defer { running.signal(SIGKILL) }
        var found: String?
        for _ in 0..<200 where found == nil {
            let children = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/memory/" + parent)) ?? []
            found = children.first { $0.count == 64 }
            if found == nil { usleep(25_000) }
        }
        let id = try #require(found, "no container cgroup under memory/\(parent)")
        let limit = Host.read("/sys/fs/cgroup/memory/\(parent)/\(id)/memory.limit_in_bytes")
        #expect(limit?.trimmingCharacters(in: .newlines) == "50331648")
        let tasks = Host.read("/sys/fs/cgroup/pids/\(parent)/\(id)/tasks") ?? ""
        #expect(!tasks.isEmpty, "the container's processes are in the pids cgroup")
        #expect(!Host.exists("/sys/fs/cgroup/memory/swrun/\(id)"))
        running.signal(SIGTERM)
        let result = running.wait(timeout: 10)
        #expect(!result.timedOut, "\(result)")
        #expect(result.out == String(id.prefix(12)))
        #expect(!Host.exists("/sys/fs/cgroup/memory/\(parent)/\(id)"), "cgroup left behind after --rm")
    }
}
