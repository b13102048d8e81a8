import SwrunCgroups
import SwrunRuntime
import Testing
@testable import swrun

/// docker's arithmetic and units for `stats`, and the cgroup files they come from.
@Suite struct StatsMathTests {
    func sample(cpu: UInt64, system: UInt64, cpus: Int = 2, usage: UInt64 = 0, inactive: UInt64? = nil,
                limit: UInt64? = nil, host: UInt64 = 8 << 30) -> ContainerStatsSample {
        var stats = CgroupStats(cpuUsageNanos: cpu, memoryUsage: usage, memoryLimit: limit)
        stats.memoryInactiveFile = inactive
        return ContainerStatsSample(cgroup: stats, systemCPUNanos: system, onlineCPUs: cpus, hostMemory: host)
    }

    @Test func cpuPercentIsTheContainersShareOfTheHostTimesItsCPUs() {
        // 0.5 s of CPU while the host's 2 CPUs ran 2 s: a quarter of the host, 50 % of one CPU.
        let before = sample(cpu: 1_000_000_000, system: 10_000_000_000)
        let after = sample(cpu: 1_500_000_000, system: 12_000_000_000)
        #expect(ContainerStatsSample.cpuPercent(previous: before, current: after) == 50)
    }

    @Test func cpuPercentIsZeroWhenNothingAdvanced() {
        let before = sample(cpu: 5, system: 10)
        #expect(ContainerStatsSample.cpuPercent(previous: before, current: sample(cpu: 5, system: 20)) == 0)
        #expect(ContainerStatsSample.cpuPercent(previous: before, current: sample(cpu: 9, system: 10)) == 0)
    }

    @Test func memoryUsageLeavesOutTheInactivePageCache() {
        let s = sample(cpu: 0, system: 0, usage: 10 << 20, inactive: 4 << 20, limit: 12 << 20)
        #expect(s.memoryUsage == 6 << 20)
        #expect(s.memoryPercent == 50)
        #expect(sample(cpu: 0, system: 0, usage: 1 << 20, inactive: 2 << 20).memoryUsage == 1 << 20)
    }

    @Test func anUnlimitedContainerShowsTheHostsMemory() {
        #expect(sample(cpu: 0, system: 0, usage: 1, limit: nil, host: 8 << 30).memoryLimit == 8 << 30)
        #expect(sample(cpu: 0, system: 0, usage: 1, limit: 16 << 30, host: 8 << 30).memoryLimit == 8 << 30)
        #expect(sample(cpu: 0, system: 0, usage: 1, limit: 64 << 20, host: 8 << 30).memoryLimit == 64 << 20)
    }

    @Test func systemCPUTimeSumsUserThroughSteal() throws {
        let stat = "cpu  100 0 50 1000 10 0 5 0 7 0\ncpu0 50 0 25 500 5 0 2 0 0 0\nintr 1\n"
        // 1165 ticks of 10 ms (USER_HZ 100); guest time (7) is in user already.
        #expect(HostUsage.systemCPUNanos(procStat: stat) == 1165 * 10_000_000)
    }

    @Test func networkBytesSkipLoopback() {
        let dev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:    5000      10    0    0    0     0          0         0     5000      10    0    0    0     0       0          0
          eth0:    1234       3    0    0    0     0          0         0      648       2    0    0    0     0       0          0
          eth1:100       1    0    0    0     0          0         0      2       1    0    0    0     0       0          0
        """
        let (received, sent) = HostUsage.networkBytes(procNetDev: dev)
        #expect(received == 1334)
        #expect(sent == 650)
    }

    @Test func blockIOFromBothCgroupVersions() throws {
        let v1 = "8:0 Read 4096\n8:0 Write 1024\n8:0 Sync 0\n8:0 Total 5120\n8:16 Read 1000\nTotal 6120\n"
        let bytes = try #require(CgroupStats.v1BlockBytes(v1))
        #expect(bytes.read == 5096)
        #expect(bytes.write == 1024)
        #expect(CgroupStats.v1BlockBytes("Total 0\n") == nil)
        let v2 = "8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n253:0 rbytes=10 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n"
        #expect(CgroupStats.v2BlockBytes(v2) == (4106, 512))
    }

    @Test(arguments: [
        (UInt64(0), "0B", "0B"), (648, "648B", "648B"), (1234, "1.205KiB", "1.23kB"), (1_500_000, "1.431MiB", "1.5MB"),
        (8_232_407_040, "7.667GiB", "8.23GB"),
    ])
    func unitsAreDockers(bytes: UInt64, binary: String, decimal: String) {
        #expect(StatsUnits.binary(bytes) == binary)
        #expect(StatsUnits.decimal(bytes) == decimal)
    }

    @Test func aStoppedContainersRowIsZeros() {
        let row = StatsRow(reference: "web", id: String(repeating: "ab", count: 32), name: "web", cpuPercent: nil, current: nil)
        let fields = row.fields(noTrunc: false)
        #expect(fields["ID"] == .string("abababababab"))
        #expect(fields["CPUPerc"] == .string("0.00%"))
        #expect(fields["MemUsage"] == .string("0B / 0B"))
        #expect(fields["NetIO"] == .string("0B / 0B"))
        #expect(fields["PIDs"] == .string("0"))
    }
}
