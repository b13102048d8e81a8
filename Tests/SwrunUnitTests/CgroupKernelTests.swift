import CSwrun
import Foundation
import SwrunOS
import Testing
@testable import SwrunCgroups

/// Against the real kernel, as root. On a hybrid host: the v1 hierarchies under
/// /sys/fs/cgroup, and a cgroup2 mount with no controllers at /sys/fs/cgroup/unified.
/// On a v2 host: the unified hierarchy at /sys/fs/cgroup, with its controllers. The
/// v1 tests run on the first, the limit tests of v2 on the second, the others on both.
@Suite("Cgroup managers on the kernel's cgroupfs", .serialized)
struct CgroupKernelTests {
    static let isRoot = geteuid() == 0
    static let hasV1 = isRoot && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    /// A v2 host: /sys/fs/cgroup is the cgroup2 mount (swrun's own detection).
    static let isV2Host = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
    /// The cgroup2 mount: /sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid one.
    static let unifiedRoot = isV2Host ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified"
    static let hasUnified = isRoot && FileManager.default.fileExists(atPath: unifiedRoot + "/cgroup.controllers")
    /// The unified hierarchy has the controllers (on a hybrid host v1 holds them all).
    static let hasV2Controllers = isRoot && isV2Host
    static let mib: Int64 = 1 << 20

    static func uniqueParent() -> String {
        "swrun-test-\(UInt32.random(in: 0...UInt32.max))"
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func sleeper() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
        try process.run()
        return process
    }

    static func waitForExit(_ process: Process) -> Bool {
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
        return !process.isRunning
    }

    @Test(.enabled(if: hasV1)) func v1LimitsProcessesFreezeAndDestroy() throws {
        let parent = Self.uniqueParent()
        let hierarchies = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio"]
            .map { "/sys/fs/cgroup/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        defer { for hierarchy in hierarchies { rmdir(hierarchy + "/" + parent) } }
        let manager = Cgroups.manager(parent: parent, name: "c1")
        #expect(manager.version == .v1)
        #expect(manager.path == "/\(parent)/c1")

        try manager.create(limits: CgroupLimits(memory: 64 * Self.mib, memorySwap: 128 * Self.mib, cpus: 0.5, cpuShares: 512, pidsLimit: 50))
        let memory = "/sys/fs/cgroup/memory/\(parent)/c1"
        let swapAccounting = FileManager.default.fileExists(atPath: memory + "/memory.memsw.limit_in_bytes")
        #expect(try Self.read(memory + "/memory.limit_in_bytes") == "67108864")
        if swapAccounting {
            #expect(try Self.read(memory + "/memory.memsw.limit_in_bytes") == "134217728")
        }
        #expect(try Self.read("/sys/fs/cgroup/cpu/\(parent)/c1/cpu.cfs_period_us") == "100000")
        #expect(try Self.read("/sys/fs/cgroup/cpu/\(parent)/c1/cpu.cfs_quota_us") == "50000")
        #expect(try Self.read("/sys/fs/cgroup/cpu/\(parent)/c1/cpu.shares") == "512")
        #expect(try Self.read("/sys/fs/cgroup/pids/\(parent)/c1/pids.max") == "50")
        let devices = try Self.read("/sys/fs/cgroup/devices/\(parent)/c1/devices.list").split(separator: "\n")
        #expect(devices.count == DeviceRule.dockerDefaults.count)
        #expect(devices.contains("c 1:3 rwm"))
        #expect(devices.contains("c 136:* rwm"))
        #expect(!devices.contains("a *:* rwm"))

        // Raising memory above the current memsw limit, then lowering both: the kernel
        // refuses either step if memory and memsw are written in the wrong order.
        try manager.create(limits: CgroupLimits(memory: 256 * Self.mib, memorySwap: 512 * Self.mib))
        #expect(try Self.read(memory + "/memory.limit_in_bytes") == "268435456")
        try manager.create(limits: CgroupLimits(memory: 32 * Self.mib, memorySwap: 48 * Self.mib))
        #expect(try Self.read(memory + "/memory.limit_in_bytes") == "33554432")
        if swapAccounting {
            #expect(try Self.read(memory + "/memory.memsw.limit_in_bytes") == "50331648")
        }

        let sleeper = try Self.sleeper()
        defer { if sleeper.isRunning { kill(sleeper.processIdentifier, SIGKILL) } }
        for file in manager.procsFiles {
            try String(sleeper.processIdentifier).write(toFile: file, atomically: false, encoding: .utf8)
        }
        #expect(try manager.pids() == [sleeper.processIdentifier])
        let ownCgroups = try String(contentsOfFile: "/proc/\(sleeper.processIdentifier)/cgroup", encoding: .utf8)
        #expect(ownCgroups.contains(":memory:/\(parent)/c1"))
        #expect(ownCgroups.contains(":freezer:/\(parent)/c1"))

        try manager.freeze()
        #expect(try Self.read("/sys/fs/cgroup/freezer/\(parent)/c1/freezer.state") == "FROZEN")
        try manager.thaw()
        #expect(try Self.read("/sys/fs/cgroup/freezer/\(parent)/c1/freezer.state") == "THAWED")
        #expect(!manager.oomKilled())

        try manager.freeze()
        try manager.destroy()
        #expect(Self.waitForExit(sleeper))
        #expect(sleeper.terminationReason == .uncaughtSignal)
        for hierarchy in hierarchies {
            #expect(!FileManager.default.fileExists(atPath: "\(hierarchy)/\(parent)/c1"))
        }
        try manager.destroy()
    }

    @Test(.enabled(if: hasV1)) func v1OOMKillIsReported() throws {
        let parent = Self.uniqueParent()
        let hierarchies = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio"]
            .map { "/sys/fs/cgroup/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        defer { for hierarchy in hierarchies { rmdir(hierarchy + "/" + parent) } }
        let manager = Cgroups.manager(parent: parent, name: "oom")
        defer { try? manager.destroy() }
        try manager.create(limits: CgroupLimits(memory: 8 * Self.mib, memorySwap: 8 * Self.mib, restrictDevices: false))

        // A shell that joins the cgroup, then a child that allocates past the limit.
        let joins = manager.procsFiles.map { "echo $$ > \($0)" }.joined(separator: " && ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(joins) && head -c 64m /dev/zero | tail > /dev/null"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(manager.oomKilled())
    }

    @Test(.enabled(if: hasUnified)) func v2DirectoryProcessesFreezeAndDestroy() throws {
        let parent = Self.uniqueParent()
        defer { rmdir(Self.unifiedRoot + "/" + parent) }
        let manager = Cgroups.manager(root: Self.unifiedRoot, parent: parent, name: "c1")
        #expect(manager.version == .v2)
        try manager.create(limits: CgroupLimits(restrictDevices: false))
        let directory = "\(Self.unifiedRoot)/\(parent)/c1"
        #expect(manager.unifiedDirectory == directory)
        #expect(manager.procsFiles == [directory + "/cgroup.procs"])

        let sleeper = try Self.sleeper()
        defer { if sleeper.isRunning { kill(sleeper.processIdentifier, SIGKILL) } }
        try String(sleeper.processIdentifier).write(toFile: directory + "/cgroup.procs", atomically: false, encoding: .utf8)
        #expect(try manager.pids() == [sleeper.processIdentifier])

        try manager.freeze()
        #expect(try Self.read(directory + "/cgroup.events").contains("frozen 1"))
        try manager.thaw()
        #expect(try Self.read(directory + "/cgroup.events").contains("frozen 0"))

        try manager.freeze()
        try manager.destroy()
        #expect(Self.waitForExit(sleeper))
        #expect(!FileManager.default.fileExists(atPath: directory))
        try manager.destroy()
    }

    @Test(.enabled(if: hasV2Controllers)) func v2LimitsAreWritten() throws {
        let parent = Self.uniqueParent()
        defer { rmdir(Self.unifiedRoot + "/" + parent) }
        let manager = Cgroups.manager(root: Self.unifiedRoot, parent: parent, name: "c1")
        defer { try? manager.destroy() }
        #expect(manager.version == .v2)
        try manager.create(limits: CgroupLimits(memory: 64 * Self.mib, memorySwap: 128 * Self.mib, cpus: 0.5, cpuShares: 512, pidsLimit: 50))
        let directory = "\(Self.unifiedRoot)/\(parent)/c1"
        #expect(try Self.read(directory + "/memory.max") == "67108864")
        #expect(try Self.read(directory + "/cpu.max") == "50000 100000")
        // runc's and crun's conversion: 1 + ((512 - 2) * 9999) / 262142.
        #expect(try Self.read(directory + "/cpu.weight") == "20")
        #expect(try Self.read(directory + "/pids.max") == "50")

        try manager.create(limits: CgroupLimits(memory: 32 * Self.mib, memorySwap: -1))
        #expect(try Self.read(directory + "/memory.max") == "33554432")
        try #require(FileManager.default.fileExists(atPath: directory + "/memory.swap.max"), "no swap accounting")
        #expect(try Self.read(directory + "/memory.swap.max") == "max")
        // docker's --memory-swap is memory plus swap; memory.swap.max is the swap alone.
        try manager.create(limits: CgroupLimits(memory: 64 * Self.mib, memorySwap: 128 * Self.mib))
        #expect(try Self.read(directory + "/memory.swap.max") == "67108864")
    }

    @Test(.enabled(if: hasV2Controllers)) func v2OOMKillIsReported() throws {
        let parent = Self.uniqueParent()
        defer { rmdir(Self.unifiedRoot + "/" + parent) }
        let manager = Cgroups.manager(root: Self.unifiedRoot, parent: parent, name: "oom")
        defer { try? manager.destroy() }
        try manager.create(limits: CgroupLimits(memory: 8 * Self.mib, memorySwap: 8 * Self.mib, restrictDevices: false))
        #expect(!manager.oomKilled())

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "echo $$ > \(Self.unifiedRoot)/\(parent)/oom/cgroup.procs && head -c 64m /dev/zero | tail > /dev/null"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(manager.oomKilled())
    }

    /// A root of the test's own whose parent enables no controller for it: a limit
    /// there needs a controller the cgroup cannot have, on a hybrid and a v2 host alike.
    @Test(.enabled(if: hasUnified)) func v2LimitWithoutControllerIsRefused() throws {
        let outer = Self.unifiedRoot + "/" + Self.uniqueParent()
        let root = outer + "/root"
        try #require(mkdir(outer, 0o755) == 0 && mkdir(root, 0o755) == 0, "mkdir \(root): errno \(errno)")
        defer {
            rmdir(root + "/swrun")
            rmdir(root)
            rmdir(outer)
        }
        #expect(try Self.read(root + "/cgroup.controllers") == "")
        let manager = Cgroups.manager(root: root, parent: "swrun", name: "c1")
        defer { try? manager.destroy() }
        #expect(manager.version == .v2)
        let error = #expect(throws: SwrunError.self) {
            try manager.create(limits: CgroupLimits(memory: 64 * Self.mib, restrictDevices: false))
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("the memory controller is not available in /swrun") == true, "\(String(describing: error))")
    }

    @Test(.enabled(if: hasUnified)) func v2DeviceProgramDeniesDevicesOffTheList() throws {
        let parent = Self.uniqueParent()
        defer { rmdir(Self.unifiedRoot + "/" + parent) }
        let manager = Cgroups.manager(root: Self.unifiedRoot, parent: parent, name: "dev")
        defer { try? manager.destroy() }
        try manager.create(limits: CgroupLimits())
        // Creating again replaces the program rather than stacking a second one.
        try manager.create(limits: CgroupLimits())
        let directory = try #require(manager.unifiedDirectory)
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        var ids = [UInt32](repeating: 0, count: 8)
        var count = UInt32(ids.count)
        #expect(sw_bpf_query_cgroup_device(fd, &ids, &count) == 0)
        #expect(count == 1)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", """
            echo $$ > \(directory)/cgroup.procs || exit 9
            head -c 1 /dev/zero > /dev/null || exit 10
            head -c 0 /dev/kmsg 2> /dev/null && exit 11
            exit 0
            """]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
