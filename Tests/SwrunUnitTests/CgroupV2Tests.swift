import Foundation
import Synchronization
import SwrunOS
import Testing
@testable import SwrunCgroups

@Suite("Cgroup v2 manager on a fake cgroupfs")
struct CgroupV2Tests {
    static let mib: Int64 = 1 << 20
    static let allEnabled = "+cpu +io +memory +pids"

    /// Records device filter attachments instead of calling bpf(2).
    final class DeviceFilterRecorder: Sendable {
        let calls = Mutex<[(String, [DeviceRule])]>([])

        func manager(root: String) -> CgroupV2Manager {
            CgroupV2Manager(root: root, path: CgroupPath(parent: "swrun", name: "c1")) { directory, rules in
                self.calls.withLock { $0.append((directory, rules)) }
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let limits: CgroupLimits
        /// Whether the kernel made `memory.swap.max` (swap accounting on).
        var swapFile = true
        /// Files in `swrun/c1` other than a pre-made empty `memory.swap.max`.
        let files: [String: String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "no limits", limits: CgroupLimits(), files: [:]),
        Case(label: "memory, docker's default swap", limits: CgroupLimits(memory: 512 * mib), files: [
            "memory.max": "536870912", "memory.swap.max": "536870912",
        ]),
        Case(label: "memory-swap -1", limits: CgroupLimits(memory: 512 * mib, memorySwap: -1), files: [
            "memory.max": "536870912", "memory.swap.max": "max",
        ]),
        Case(label: "memory-swap total", limits: CgroupLimits(memory: 512 * mib, memorySwap: 768 * mib), files: [
            "memory.max": "536870912", "memory.swap.max": "268435456",
        ]),
        Case(label: "memory-swap equal to memory", limits: CgroupLimits(memory: 512 * mib, memorySwap: 512 * mib), files: [
            "memory.max": "536870912", "memory.swap.max": "0",
        ]),
        Case(label: "no swap accounting", limits: CgroupLimits(memory: 512 * mib, memorySwap: -1), swapFile: false,
             files: ["memory.max": "536870912"]),
        Case(label: "cpus 0.5", limits: CgroupLimits(cpus: 0.5), files: ["cpu.max": "50000 100000"]),
        Case(label: "cpus 1.5", limits: CgroupLimits(cpus: 1.5), files: ["cpu.max": "150000 100000"]),
        Case(label: "cpu-shares 1024", limits: CgroupLimits(cpuShares: 1024), files: ["cpu.weight": "39"]),
        Case(label: "cpu-shares 2", limits: CgroupLimits(cpuShares: 2), files: ["cpu.weight": "1"]),
        Case(label: "cpu-shares 262144", limits: CgroupLimits(cpuShares: 262_144), files: ["cpu.weight": "10000"]),
        Case(label: "pids-limit 100", limits: CgroupLimits(pidsLimit: 100), files: ["pids.max": "100"]),
        Case(label: "pids-limit 0", limits: CgroupLimits(pidsLimit: 0), files: ["pids.max": "max"]),
    ]

    @Test(arguments: cases)
    func createWritesExactlyTheLimits(_ testCase: Case) throws {
        let tree = try FakeCgroupTree.v2()
        defer { tree.remove() }
        if testCase.swapFile {
            try tree.makeDirectory("swrun/c1")
            try tree.writeFile("swrun/c1/memory.swap.max", "")
        }
        let recorder = DeviceFilterRecorder()
        try recorder.manager(root: tree.root).create(limits: testCase.limits)

        #expect(try tree.read("cgroup.subtree_control") == Self.allEnabled)
        #expect(try tree.read("swrun/cgroup.subtree_control") == Self.allEnabled)
        var written = try tree.files(under: "swrun/c1")
        if written["swrun/c1/memory.swap.max"] == "" { written["swrun/c1/memory.swap.max"] = nil }
        let expected = Dictionary(uniqueKeysWithValues: testCase.files.map { ("swrun/c1/" + $0.key, $0.value) })
        #expect(written == expected)
    }

    @Test func alreadyEnabledControllersAreNotWrittenAgain() throws {
        let tree = try FakeCgroupTree.v2(controllers: "cpu memory pids")
        defer { tree.remove() }
        try tree.writeFile("cgroup.subtree_control", "cpu memory\n")
        try DeviceFilterRecorder().manager(root: tree.root).create(limits: CgroupLimits(pidsLimit: 5))
        #expect(try tree.read("cgroup.subtree_control") == "+pids")
        #expect(try tree.read("swrun/cgroup.subtree_control") == "+cpu +memory +pids")
        #expect(try tree.read("swrun/c1/pids.max") == "5")
    }

    @Test(arguments: [
        (CgroupLimits(memory: 1 << 26), "memory"),
        (CgroupLimits(cpus: 1), "cpu"),
        (CgroupLimits(pidsLimit: 1), "pids"),
    ])
    func limitWithoutItsControllerIsAnError(limits: CgroupLimits, controller: String) throws {
        let tree = try FakeCgroupTree.v2(controllers: "io hugetlb")
        defer { tree.remove() }
        let error = #expect(throws: SwrunError.self) {
            try DeviceFilterRecorder().manager(root: tree.root).create(limits: limits)
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("the \(controller) controller is not available in /swrun") == true)
        #expect(try tree.read("cgroup.subtree_control") == "+io")
    }

    @Test func devicesAreRestrictedWithDockersAllowlistUnlessPrivileged() throws {
        let tree = try FakeCgroupTree.v2()
        defer { tree.remove() }
        let recorder = DeviceFilterRecorder()
        let manager = recorder.manager(root: tree.root)
        try manager.create(limits: CgroupLimits(restrictDevices: false))
        #expect(recorder.calls.withLock { $0.isEmpty })
        try manager.create(limits: CgroupLimits())
        let calls = recorder.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.0 == tree.root + "/swrun/c1")
        #expect(calls.first?.1 == DeviceRule.dockerDefaults)
    }

    @Test func destroyRemovesTheCgroupAndKeepsTheParent() throws {
        let tree = try FakeCgroupTree.v2()
        defer { tree.remove() }
        let manager = DeviceFilterRecorder().manager(root: tree.root)
        try manager.create(limits: CgroupLimits(memory: 64 * Self.mib, cpus: 1, pidsLimit: 10))
        #expect(try manager.pids() == [])
        try manager.destroy()
        #expect(!tree.exists("swrun/c1"))
        #expect(tree.exists("swrun"))
        try manager.destroy()
    }

    @Test func oomKilledReadsMemoryEvents() throws {
        let tree = try FakeCgroupTree.v2()
        defer { tree.remove() }
        let manager = DeviceFilterRecorder().manager(root: tree.root)
        #expect(!manager.oomKilled())
        try manager.create(limits: CgroupLimits())
        try tree.writeFile("swrun/c1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n")
        #expect(!manager.oomKilled())
        try tree.writeFile("swrun/c1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n")
        #expect(manager.oomKilled())
    }
}
