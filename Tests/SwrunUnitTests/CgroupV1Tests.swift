import Foundation
import SwrunOS
import Testing
@testable import SwrunCgroups

@Suite("Cgroup v1 manager on a fake cgroupfs")
struct CgroupV1Tests {
    static let mib: Int64 = 1 << 20
    static let devicesAllow = """
        c *:* m
        b *:* m
        c 1:3 rwm
        c 1:5 rwm
        c 1:7 rwm
        c 1:8 rwm
        c 1:9 rwm
        c 5:0 rwm
        c 5:1 rwm
        c 5:2 rwm
        c 136:* rwm
        c 10:200 rwm
        c 10:229 rwm

        """

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let limits: CgroupLimits
        var swapAccounting = true
        /// Files under each hierarchy's `swrun/c1`, relative to the root.
        let files: [String: String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "no limits", limits: CgroupLimits(restrictDevices: false), files: [:]),
        Case(label: "memory, docker's default swap", limits: CgroupLimits(memory: 512 * mib, restrictDevices: false), files: [
            "memory/swrun/c1/memory.limit_in_bytes": "536870912",
            "memory/swrun/c1/memory.memsw.limit_in_bytes": "1073741824",
        ]),
        Case(label: "memory-swap -1", limits: CgroupLimits(memory: 512 * mib, memorySwap: -1, restrictDevices: false), files: [
            "memory/swrun/c1/memory.limit_in_bytes": "536870912",
            "memory/swrun/c1/memory.memsw.limit_in_bytes": "-1",
        ]),
        Case(label: "memory-swap total", limits: CgroupLimits(memory: 512 * mib, memorySwap: 768 * mib, restrictDevices: false), files: [
            "memory/swrun/c1/memory.limit_in_bytes": "536870912",
            "memory/swrun/c1/memory.memsw.limit_in_bytes": "805306368",
        ]),
        Case(label: "no swap accounting", limits: CgroupLimits(memory: 512 * mib, memorySwap: -1, restrictDevices: false),
             swapAccounting: false, files: ["memory/swrun/c1/memory.limit_in_bytes": "536870912"]),
        Case(label: "cpus 0.5", limits: CgroupLimits(cpus: 0.5, restrictDevices: false), files: [
            "cpu,cpuacct/swrun/c1/cpu.cfs_period_us": "100000",
            "cpu,cpuacct/swrun/c1/cpu.cfs_quota_us": "50000",
        ]),
        Case(label: "cpus 1.5", limits: CgroupLimits(cpus: 1.5, restrictDevices: false), files: [
            "cpu,cpuacct/swrun/c1/cpu.cfs_period_us": "100000",
            "cpu,cpuacct/swrun/c1/cpu.cfs_quota_us": "150000",
        ]),
        Case(label: "cpu-shares", limits: CgroupLimits(cpuShares: 512, restrictDevices: false), files: [
            "cpu,cpuacct/swrun/c1/cpu.shares": "512",
        ]),
        Case(label: "cpu-shares 0 raised to 2", limits: CgroupLimits(cpuShares: 0, restrictDevices: false), files: [
            "cpu,cpuacct/swrun/c1/cpu.shares": "2",
        ]),
        Case(label: "pids-limit 100", limits: CgroupLimits(pidsLimit: 100, restrictDevices: false), files: [
            "pids/swrun/c1/pids.max": "100",
        ]),
        Case(label: "pids-limit 0", limits: CgroupLimits(pidsLimit: 0, restrictDevices: false), files: [
            "pids/swrun/c1/pids.max": "max",
        ]),
        Case(label: "pids-limit -1", limits: CgroupLimits(pidsLimit: -1, restrictDevices: false), files: [
            "pids/swrun/c1/pids.max": "max",
        ]),
        Case(label: "devices", limits: CgroupLimits(), files: [
            "devices/swrun/c1/devices.deny": "a",
            "devices/swrun/c1/devices.allow": devicesAllow,
        ]),
    ]

    @Test(arguments: cases)
    func createWritesExactlyTheLimits(_ testCase: Case) throws {
        let tree = try FakeCgroupTree.v1(swapAccounting: testCase.swapAccounting)
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        try manager.create(limits: testCase.limits)

        var written: [String: String] = [:]
        for hierarchy in ["memory", "cpu,cpuacct", "pids", "devices", "freezer"] {
            #expect(FileManager.default.fileExists(atPath: "\(tree.root)/\(hierarchy)/swrun/c1"))
            written.merge(try tree.files(under: "\(hierarchy)/swrun/c1")) { $1 }
        }
        #expect(written == testCase.files)
    }

    @Test func createIsIdempotent() throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        let limits = CgroupLimits(memory: 64 * Self.mib, cpus: 1, pidsLimit: 10)
        try manager.create(limits: limits)
        try manager.create(limits: limits)
        #expect(try tree.read("memory/swrun/c1/memory.limit_in_bytes") == "67108864")
        #expect(try tree.read("devices/swrun/c1/devices.allow") == Self.devicesAllow)
    }

    @Test func procsFilesNameEachMountedHierarchyOnce() throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        #expect(manager.procsFiles == ["memory", "cpu,cpuacct", "pids", "devices", "freezer"].map {
            "\(tree.root)/\($0)/swrun/c1/cgroup.procs"
        })
        #expect(manager.unifiedDirectory == nil)
        #expect(manager.path == "/swrun/c1")
    }

    @Test func missingControllerNeededByALimitIsAnError() throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        try FileManager.default.removeItem(atPath: tree.root + "/pids")
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        let error = #expect(throws: SwrunError.self) { try manager.create(limits: CgroupLimits(pidsLimit: 5)) }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("pids") == true)
        try manager.create(limits: CgroupLimits(memory: Self.mib * 8))
        #expect(tree.exists("memory/swrun/c1/memory.limit_in_bytes"))
    }

    @Test func destroyRemovesEveryDirectoryAndKeepsTheParent() throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        try manager.create(limits: CgroupLimits(memory: 64 * Self.mib, cpus: 2, pidsLimit: 10))
        try tree.makeDirectory("memory/swrun/c1/nested")
        #expect(try manager.pids() == [])
        try manager.destroy()
        for hierarchy in ["memory", "cpu,cpuacct", "pids", "devices", "freezer"] {
            #expect(!tree.exists("\(hierarchy)/swrun/c1"))
            #expect(tree.exists("\(hierarchy)/swrun"))
        }
        try manager.destroy()
    }

    @Test func oomKilledReadsTheOOMControlCounter() throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        #expect(!manager.oomKilled())
        try manager.create(limits: CgroupLimits(restrictDevices: false))
        try tree.writeFile("memory/swrun/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
        #expect(!manager.oomKilled())
        try tree.writeFile("memory/swrun/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        #expect(manager.oomKilled())
    }
}
