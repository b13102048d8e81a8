import Foundation
import SwrunOS
import Testing
@testable import SwrunCgroups

@Suite("Cgroup detection and paths")
struct CgroupDetectionTests {
    @Test func detectsV1FromPerControllerLayout() throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        #expect(Cgroups.detectVersion(root: tree.root) == .v1)
        #expect(Cgroups.manager(root: tree.root, name: "c1").version == .v1)
    }

    @Test func detectsV2FromCgroupControllers() throws {
        let tree = try FakeCgroupTree.v2()
        defer { tree.remove() }
        #expect(Cgroups.detectVersion(root: tree.root) == .v2)
        #expect(Cgroups.manager(root: tree.root, name: "c1").version == .v2)
    }

    @Test func defaultRootMatchesHost() {
        let expected: CgroupVersion = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") ? .v2 : .v1
        #expect(Cgroups.detectVersion() == expected)
        #expect(Cgroups.detectVersion() == expected)
    }

    @Test(arguments: [
        ("swrun", "c1", "/swrun/c1"),
        ("/a/b", "c1", "/a/b/c1"),
        ("a/b/", "c1", "/a/b/c1"),
        ("", "c1", "/c1"),
    ])
    func pathIsRelativeToHierarchyRoot(parent: String, name: String, expected: String) throws {
        let tree = try FakeCgroupTree.v2()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, parent: parent, name: name)
        #expect(manager.path == expected)
        #expect(manager.unifiedDirectory == tree.root + expected)
        #expect(manager.procsFiles == [tree.root + expected + "/cgroup.procs"])
    }

    @Test(arguments: [("swrun", ""), ("swrun", "a/b"), ("swrun", ".."), ("../etc", "c1"), ("a/./b", "c1")])
    func malformedParentOrNameIsRefused(parent: String, name: String) throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, parent: parent, name: name)
        #expect(throws: SwrunError.self) { try manager.create(limits: CgroupLimits()) }
        #expect(throws: SwrunError.self) { try manager.destroy() }
        #expect(!tree.exists("memory/swrun"))
    }

    @Test(arguments: [
        CgroupLimits(memorySwap: 1 << 30),
        CgroupLimits(memory: 1 << 30, memorySwap: 1 << 29),
        CgroupLimits(memory: 0),
        CgroupLimits(cpus: 0),
        CgroupLimits(cpus: -1),
        CgroupLimits(cpuShares: 300_000),
    ])
    func invalidLimitsAreRefused(limits: CgroupLimits) throws {
        let tree = try FakeCgroupTree.v1()
        defer { tree.remove() }
        let manager = Cgroups.manager(root: tree.root, name: "c1")
        let error = #expect(throws: SwrunError.self) { try manager.create(limits: limits) }
        #expect(error?.code == .invalidArgument)
    }
}

// MARK: - A fake cgroupfs for the Cgroup* suites

/// A stand-in cgroupfs made of plain directories and files in a temp dir, laid out
/// like a v1 host (one directory per controller, `cpu` and `cpuacct` symlinked to
/// `cpu,cpuacct`) or a v2 host (`cgroup.controllers` at the root).
struct FakeCgroupTree {
    let root: String

    static func v1(swapAccounting: Bool = true) throws -> FakeCgroupTree {
        let tree = try FakeCgroupTree()
        for dir in ["memory", "cpu,cpuacct", "pids", "devices", "freezer"] {
            try tree.makeDirectory(dir)
        }
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: tree.root + "/cpu", withDestinationPath: "cpu,cpuacct")
        try fm.createSymbolicLink(atPath: tree.root + "/cpuacct", withDestinationPath: "cpu,cpuacct")
        try tree.writeFile("memory/memory.limit_in_bytes", "9223372036854771712\n")
        if swapAccounting {
            try tree.writeFile("memory/memory.memsw.limit_in_bytes", "9223372036854771712\n")
        }
        return tree
    }

    static func v2(controllers: String = "cpuset cpu io memory hugetlb pids") throws -> FakeCgroupTree {
        let tree = try FakeCgroupTree()
        try tree.writeFile("cgroup.controllers", controllers + "\n")
        try tree.writeFile("cgroup.subtree_control", "")
        return tree
    }

    private init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/swrun-cgroup-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        // Resolved, as the v1 manager resolves each hierarchy's symlinks.
        root = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
    }

    func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + relative, withIntermediateDirectories: true)
    }

    func writeFile(_ relative: String, _ content: String) throws {
        try content.write(toFile: root + "/" + relative, atomically: false, encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: root + "/" + relative)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    /// Every regular file under `relative` (not following symlinks), by path relative
    /// to the root, with its content.
    func files(under relative: String) throws -> [String: String] {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: root + "/" + relative) else { return [:] }
        var result: [String: String] = [:]
        while let entry = enumerator.nextObject() as? String {
            let path = relative + "/" + entry
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[path] = try read(path)
            }
        }
        return result
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
