import Foundation
import Glibc
import Testing

/// `update`: limits applied to a running container's cgroup (v1 or v2), kept for
/// inspect and for the next start, and docker's messages for bad values.
@Suite("update", .serialized)
struct UpdateTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    func startSleeper(_ name: String, _ flags: [String] = []) {
        let result = swrun.run(["run", "-d", "--network", "none", "--name", name] + flags + ["busybox", "sleep", "300"])
        #expect(result.status == 0, "\(result)")
    }

    /// The container's own cgroup files, read inside it (its cgroup namespace puts
    /// them at /sys/fs/cgroup; v1 a directory per controller).
    func cgroupFiles(_ name: String, v1: [String], v2: [String]) -> [String] {
        let files = Host.cgroupVersion == .v1 ? v1 : v2
        return swrun.run(["exec", name, "sh", "-c", files.map { "cat /sys/fs/cgroup/" + $0 }.joined(separator: "; ")]).lines
    }

    func hostConfig(_ name: String) throws -> [String: Any] {
        let result = swrun.run(["inspect", name])
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result)")
        return try #require(documents.first?["HostConfig"] as? [String: Any])
    }

    @Test func aRunningContainersCgroupChanges() throws {
        startSleeper("up", ["-m", "64m"])
        let result = swrun.run(["update", "-m", "128m", "--memory-swap", "256m", "--cpus", "0.5", "--pids-limit", "50", "-c", "512", "up"])
        #expect(result.status == 0 && result.out == "up", "\(result)")
        #expect(cgroupFiles("up", v1: ["memory/memory.limit_in_bytes", "cpu/cpu.cfs_quota_us", "pids/pids.max", "cpu/cpu.shares"],
                            v2: ["memory.max", "cpu.max", "pids.max", "cpu.weight"])
            == (Host.cgroupVersion == .v1 ? ["134217728", "50000", "50", "512"] : ["134217728", "50000 100000", "50", "20"]))
        let config = try hostConfig("up")
        #expect(config["Memory"] as? Int == 134_217_728)
        #expect(config["MemorySwap"] as? Int == 268_435_456)
        #expect(config["NanoCpus"] as? Int == 500_000_000)
        #expect(config["PidsLimit"] as? Int == 50)
        #expect(config["CpuShares"] as? Int == 512)
    }

    @Test func aStoppedContainerGetsItAtItsNextStart() throws {
        #expect(swrun.run(["run", "--network", "none", "--name", "later", "busybox", "sh", "-c",
                           Host.cgroupVersion == .v1 ? "cat /sys/fs/cgroup/pids/pids.max" : "cat /sys/fs/cgroup/pids.max"]).out == "max")
        #expect(swrun.run(["update", "--pids-limit", "30", "--restart", "on-failure:3", "later"]).out == "later")
        let started = swrun.run(["start", "-a", "later"])
        #expect(started.out == "30", "\(started)")
        let config = try hostConfig("later")
        #expect(config["PidsLimit"] as? Int == 30)
        let restart = try #require(config["RestartPolicy"] as? [String: Any])
        #expect(restart["Name"] as? String == "on-failure" && restart["MaximumRetryCount"] as? Int == 3)
    }

    @Test func everyContainerNamedIsUpdated() {
        startSleeper("one")
        startSleeper("two")
        let result = swrun.run(["update", "--cpu-shares", "256", "one", "two"])
        #expect(result.status == 0 && result.lines == ["one", "two"], "\(result)")
        #expect(cgroupFiles("two", v1: ["cpu/cpu.shares"], v2: ["cpu.weight"]) == [Host.cgroupVersion == .v1 ? "256" : "10"])
    }

    @Test func badValuesGetDockersMessages() {
        startSleeper("bad", ["-m", "64m"])
        let cases: [([String], String)] = [
            (["-m", "1k"], "Minimum memory limit allowed is 6MB"),
            (["-m", "64m", "--memory-swap", "32m"], "Minimum memoryswap limit should be larger than memory limit, see usage"),
            (["--cpu-period", "10"], "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"),
            (["--restart", "sometimes"], "invalid restart policy"),
            ([], "You must provide one or more flags when using this command."),
        ]
        for (flags, message) in cases {
            let result = swrun.run(["update"] + flags + ["bad"])
            #expect(result.status == 1 && result.err.contains(message), "\(flags): \(result)")
        }
        let missing = swrun.run(["update", "--cpus", "1", "nope"])
        #expect(missing.status == 1 && missing.err.contains("No such container: nope"), "\(missing)")
        #expect(cgroupFiles("bad", v1: ["memory/memory.limit_in_bytes"], v2: ["memory.max"]) == ["67108864"])
    }
}
