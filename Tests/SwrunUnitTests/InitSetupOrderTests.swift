import CSwrun
import Glibc
@testable import SwrunInitCore
import SwrunOS
import Testing

/// swrun-init's file system setup run against `RecordingSyscalls`: the order of its
/// calls is what the OCI runtime spec and runc's init make it, checked without root.
/// (The integration tests run the same steps on the kernel.)
@Suite struct InitSetupOrderTests {
    static let rootfs = "/store/c1/merged"

    /// A docker-like container: overlay root, new namespaces, cgroup v2, one volume,
    /// one tmpfs, docker's masked and read-only paths, --read-only.
    static func dockerConfig() -> InitConfig {
        var config = InitConfig()
        config.rootfs = rootfs
        config.lowerDirs = ["/store/layers/a", "/store/layers/b"]
        config.upperDir = "/store/c1/upper"
        config.workDir = "/store/c1/work"
        config.namespaces = SW_CLONE_NEWNS | SW_CLONE_NEWPID | SW_CLONE_NEWUTS | SW_CLONE_NEWIPC | SW_CLONE_NEWNET | SW_CLONE_NEWCGROUP
        config.cgroupDirectory = "/sys/fs/cgroup/swrun/c1"
        config.mounts = [
            InitMount(kind: .bind, source: "/host/data", destination: "/data"),
            InitMount(kind: .filesystem, source: "tmpfs", destination: "/run", fsType: "tmpfs", flags: MountFlags.noSuid),
        ]
        config.maskedPaths = ["/proc/kcore", "/proc/acpi", "/proc/absent"]
        config.readonlyPaths = ["/proc/sys"]
        config.readonlyRootfs = true
        return config
    }

    /// Runs `setUpFilesystems` and returns the calls it made.
    static func record(_ config: InitConfig, files: [String: mode_t] = [:], failing: [String: Int32] = [:]) throws -> [String] {
        let kernel = RecordingSyscalls()
        kernel.files = files
        kernel.failing = failing
        // A terminal's config: the streams are the caller's, no pipes are made.
        var stdioConfig = InitConfig()
        stdioConfig.tty = true
        let child = ContainerChild(kernel: kernel, config: config, sync: SeqPacket(fd: -1),
                                   stdio: try ChildStdio(config: stdioConfig), awaitsWord: false)
        try child.setUpFilesystems()
        return kernel.calls
    }

    /// Expects a call starting with each prefix, in this order.
    static func expectInOrder(_ prefixes: [String], in calls: [String]) throws {
        let positions = try prefixes.map { try position($0, in: calls) }
        #expect(positions == positions.sorted(), "\(Array(zip(prefixes, positions)))")
    }

    static let existing: [String: mode_t] = ["/proc/kcore": S_IFREG, "/proc/acpi": S_IFDIR, "/proc/sys": S_IFDIR]

    /// The index of the first call starting with `prefix`.
    static func position(_ prefix: String, in calls: [String]) throws -> Int {
        try #require(calls.firstIndex { $0.hasPrefix(prefix) }, "no call \(prefix)")
    }

    @Test func rootIsBuiltThenPivotedIntoAndTheOldRootDetached() throws {
        let calls = try Self.record(Self.dockerConfig(), files: Self.existing)
        // Nothing propagates back to the host: / is made private before anything is mounted.
        #expect(calls.first == "mount - / - rec,private")
        #expect(Array(calls[1...7]) == [
            "fsopen overlay",
            "fsconfig lowerdir+=/store/layers/a", "fsconfig lowerdir+=/store/layers/b",
            "fsconfig upperdir=/store/c1/upper", "fsconfig workdir=/store/c1/work", "fsconfig create",
            "fsmount",
        ])
        #expect(calls[8].hasPrefix("move_mount ") && calls[8].hasSuffix(" " + Self.rootfs))
        // pivot_root(".", ".") in the new root, then the old root, stacked on it, detached.
        let pivot = try Self.position("pivot_root", in: calls)
        #expect(Array(calls[(pivot - 1)...(pivot + 2)]) == ["chdir \(Self.rootfs)", "pivot_root . .", "umount2 . detach", "chdir /"])
        // Bind sources are host paths: cloned while the host is still visible.
        #expect(try Self.position("open_tree /host/data", in: calls) < pivot)
        // Nothing is mounted under the rootfs path from the host side but the root itself.
        #expect(!calls[..<pivot].contains { $0.hasPrefix("mount ") && $0.contains(Self.rootfs + "/") })
    }

    /// A --rm container's upper dir is deleted with it: overlay is told not to sync it.
    @Test func autoRemovedContainersMountAVolatileOverlay() throws {
        var config = Self.dockerConfig()
        #expect(!(try Self.record(config, files: Self.existing)).contains("fsconfig volatile"))
        config.autoRemoveDirectory = "/store/c1"
        let calls = try Self.record(config, files: Self.existing)
        #expect(Array(calls[5...7]) == ["fsconfig workdir=/store/c1/work", "fsconfig volatile", "fsconfig create"])
    }

    @Test func kernelFilesystemsAreMountedInsideTheNewRootInTheSpecsOrder() throws {
        let calls = try Self.record(Self.dockerConfig(), files: Self.existing)
        try Self.expectInOrder([
            "pivot_root", "mkdir /proc", "mount proc /proc proc", "mount tmpfs /dev tmpfs", "mknod /dev/null",
            "mount devpts /dev/pts devpts", "mount shm /dev/shm tmpfs", "mount sysfs /sys sysfs ro",
            "mount cgroup2 /sys/fs/cgroup cgroup2 ro",
        ], in: calls)
        #expect(calls.contains("symlink /dev/ptmx -> pts/ptmx"))
        #expect(calls.contains("mount mqueue /dev/mqueue mqueue "))
    }

    @Test func specMountsFollowTheKernelFilesystemsAndMasksFollowThem() throws {
        let calls = try Self.record(Self.dockerConfig(), files: Self.existing)
        let cgroup = try Self.position("mount cgroup2 /sys/fs/cgroup", in: calls)
        // The volume's clone is attached inside the new root, after the kernel's file systems.
        #expect(calls[(cgroup + 1)...].contains { $0.hasPrefix("move_mount ") && $0.hasSuffix(" /data") })
        // Masks go over whatever the mounts put there; read-only paths after them.
        try Self.expectInOrder([
            "mount cgroup2 /sys/fs/cgroup", "mkdir /data", "mount tmpfs /run tmpfs",
            "mount /dev/null /proc/kcore - bind", "mount tmpfs /proc/acpi tmpfs ro",
            "mount /proc/sys /proc/sys - bind,rec", "mount - /proc/sys - bind,remount,ro",
        ], in: calls)
        // A masked path that does not exist is skipped.
        #expect(!calls.contains { $0.contains("/proc/absent") })
        // The root is made read-only last: every mount point in it was made before.
        #expect(calls.last == "mount - / - bind,remount,ro")
    }

    @Test func inAUserNamespaceProcAndSysAreMountedBeforePivotRoot() throws {
        var config = Self.dockerConfig()
        config.namespaces |= SW_CLONE_NEWUSER
        config.uidMappings = [InitIDMap(containerID: 0, hostID: 100_000, size: 65536)]
        config.readonlyRootfs = false
        let calls = try Self.record(config, files: Self.existing)
        #expect(config.createsUserNamespace)
        try Self.expectInOrder([
            "mount proc \(Self.rootfs)/proc proc", "mount sysfs \(Self.rootfs)/sys sysfs ro",
            "open_tree \(Self.rootfs)/sys", "umount2 \(Self.rootfs)/sys detach", "pivot_root",
        ], in: calls)
        // sysfs is attached after /dev, where a spec lists it, and not mounted again.
        let dev = try Self.position("mount tmpfs /dev tmpfs", in: calls)
        let attach = try #require(calls.firstIndex { $0.hasPrefix("move_mount ") && $0.hasSuffix(" /sys") })
        #expect(dev < attach)
        #expect(!calls.contains { $0.hasPrefix("mount proc /proc") || $0.hasPrefix("mount sysfs /sys") })
    }

    @Test func legacyOverlayWhenTheKernelRefusesLowerdirPlus() throws {
        let calls = try Self.record(Self.dockerConfig(), failing: ["fsconfig": EINVAL])
        // One mount(2) naming each directory by its fd under /proc/self/fd.
        let legacy = try Self.position("mount none \(Self.rootfs) overlay", in: calls)
        #expect(calls[legacy - 1] == "chdir /proc/self/fd")
        #expect(try Self.position("open /store/c1/upper", in: calls) < legacy)
        #expect(legacy < (try Self.position("pivot_root", in: calls)))
    }
}
