import CSwrun
import Testing
import SwrunCgroups
import SwrunOCI
import SwrunOS
@testable import SwrunRuntime

/// The one translation of an OCI spec into swrun-init's config, and the runtime's
/// readings of cgroupsPath and resources.
@Suite struct SpecTranslationTests {
    func spec(_ edit: (inout RuntimeSpec) -> Void = { _ in }) -> RuntimeSpec {
        var spec = RuntimeSpec.runcDefault()
        spec.process?.terminal = false
        spec.process?.args = ["true"]
        edit(&spec)
        return spec
    }

    func translate(_ spec: RuntimeSpec) throws -> InitConfig {
        try InitConfig(spec: spec, rootfs: .directory("/b/rootfs"), bundle: "/b")
    }

    @Test func runcDefaultSpec() throws {
        let c = try translate(spec())
        #expect(c.rootfs == "/b/rootfs" && c.lowerDirs.isEmpty)
        #expect(c.readonlyRootfs)
        #expect(c.args == ["true"] && c.cwd == "/" && c.user == "0:0")
        #expect(c.namespaces == SW_CLONE_NEWNS | SW_CLONE_NEWPID | SW_CLONE_NEWIPC | SW_CLONE_NEWUTS | SW_CLONE_NEWNET | SW_CLONE_NEWCGROUP)
        #expect(c.noNewPrivileges)
        // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
        let expected: UInt64 = 1 << 29 | 1 << 5 | 1 << 10
        #expect(c.capabilitySets == [expected, expected, expected, 0, 0])
        #expect(c.rlimits == [InitRlimit(resource: 7, soft: 1024, hard: 1024)])
        // The kernel filesystems are swrun-init's own; /sys is read-only.
        #expect(c.mounts.isEmpty && !c.privileged)
        #expect(c.maskedPaths.contains("/proc/kcore") && c.readonlyPaths.contains("/proc/sys"))
    }

    @Test func namespacesWithAPathAreJoined() throws {
        let c = try translate(spec { s in
            s.linux?.namespaces = [.init(type: "pid"), .init(type: "mount"), .init(type: "network", path: "/run/netns/pod")]
        })
        #expect(c.namespaces == SW_CLONE_NEWNS | SW_CLONE_NEWPID)
        #expect(c.joinNamespaces == [InitNamespacePath(flag: SW_CLONE_NEWNET, path: "/run/netns/pod")])
        #expect(throws: SwrunError.self) { try translate(spec { $0.linux?.namespaces = [.init(type: "user")] }) }
        #expect(throws: SwrunError.self) { try translate(spec { $0.linux?.namespaces = [.init(type: "bogus")] }) }
    }

    @Test func mountsKeepTheirOptions() throws {
        let c = try translate(spec { s in
            s.mounts = (s.mounts ?? []) + [
                RuntimeSpec.Mount(destination: "/data", type: "bind", source: "data", options: ["rbind", "ro", "nosuid", "rshared"]),
                RuntimeSpec.Mount(destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nodev", "size=1m", "mode=700"]),
            ]
        })
        #expect(c.mounts.count == 2)
        #expect(c.mounts[0] == InitMount(kind: .bind, source: "/b/data", destination: "/data",
                                         flags: MountFlags.readOnly | MountFlags.noSuid,
                                         propagation: MountFlags.shared | MountFlags.recursive))
        #expect(c.mounts[1] == InitMount(kind: .filesystem, source: "tmpfs", destination: "/scratch", fsType: "tmpfs",
                                         flags: MountFlags.noDev, data: "size=1m,mode=700"))
        #expect(throws: SwrunError.self) {
            try translate(spec { $0.mounts = [RuntimeSpec.Mount(destination: "relative", type: "tmpfs")] })
        }
    }

    @Test func linuxSettings() throws {
        let c = try translate(spec { s in
            s.linux?.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shmmax": "4096"]
            s.linux?.rootfsPropagation = "rslave"
            s.linux?.devices = [RuntimeSpec.Device(type: "c", path: "/dev/fuse", major: 10, minor: 229, fileMode: 0o600, uid: 1, gid: 2)]
            s.process?.oomScoreAdj = 100
            s.process?.user = RuntimeSpec.User(uid: 1000, gid: 100, umask: 0o077, additionalGids: [5, 6])
            s.domainname = "example.org"
        })
        #expect(c.sysctls == ["kernel.shmmax=4096", "net.ipv4.ip_forward=1"])
        #expect(c.rootfsPropagation == MountFlags.slave | MountFlags.recursive)
        #expect(c.devices == [InitDevice(type: 0o020000, path: "/dev/fuse", major: 10, minor: 229, mode: 0o600, uid: 1, gid: 2)])
        #expect(c.oomScoreAdj == 100)
        #expect(c.user == "1000:100" && c.additionalGroups == ["5", "6"] && c.umask == 0o077)
        #expect(c.domainname == "example.org")
        #expect(throws: SwrunError.self) { try translate(spec { $0.linux?.rootfsPropagation = "sideways" }) }
        #expect(throws: SwrunError.self) {
            try translate(spec { $0.linux?.devices = [RuntimeSpec.Device(type: "x", path: "/dev/x")] })
        }
    }

    @Test func processIsChecked() throws {
        #expect(throws: SwrunError.self) { try translate(spec { $0.process?.capabilities?.bounding = ["CAP_NOPE"] }) }
        #expect(throws: SwrunError.self) { try translate(spec { $0.process?.rlimits = [.init(type: "RLIMIT_NOPE", hard: 1, soft: 1)] }) }
        #expect(throws: SwrunError.self) { try translate(spec { $0.process?.args = [] }) }
        #expect(throws: SwrunError.self) { try translate(spec { $0.process?.cwd = "relative" }) }
        #expect(throws: SwrunError.self) { try translate(spec { $0.process = nil }) }
    }

    @Test func seccompIsCompiled() throws {
        let c = try translate(spec { s in
            s.linux?.seccomp = RuntimeSpec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                                                   syscalls: [.init(names: ["getcwd"], action: "SCMP_ACT_ERRNO")])
        })
        #expect(!c.seccompFilter.isEmpty && c.seccompFilter.count % 8 == 0)
    }

    @Test func resourcesBecomeLimits() {
        let none = CgroupLimits(resources: nil)
        #expect(none.memory == nil && none.restrictDevices)
        var resources = RuntimeSpec.Resources()
        resources.memory = .init(limit: 64 << 20, swap: 128 << 20)
        resources.cpu = .init(shares: 512, quota: 50_000, period: 100_000)
        resources.pids = .init(limit: 10)
        resources.devices = [.init(allow: false, access: "rwm"), .init(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
                             .init(allow: true, type: "b", major: 8, minor: -1, access: "r")]
        let limits = CgroupLimits(resources: resources)
        #expect(limits.memory == Int64(64 << 20) && limits.memorySwap == Int64(128 << 20))
        #expect(limits.cpus == 0.5 && limits.cpuShares == 512 && limits.pidsLimit == 10)
        #expect(limits.restrictDevices && limits.extraAllowedDevices == ["c 10:200 rwm", "b 8:* r"])
        resources.devices = [.init(allow: true, access: "rwm")]
        let open = CgroupLimits(resources: resources)
        #expect(!open.restrictDevices)
    }

    @Test func cgroupsPathReadings() throws {
        let plain = OCIRuntime(stateRoot: "/s")
        #expect(try plain.cgroupLocation("/k8s.io/abc", id: "x") == ("k8s.io", "abc"))
        #expect(try plain.cgroupLocation(nil, id: "x") == ("", "x"))
        let systemd = OCIRuntime(stateRoot: "/s", systemdCgroup: true)
        #expect(try systemd.cgroupLocation("kubepods-besteffort.slice:cri-containerd:abc", id: "x")
                == ("kubepods.slice/kubepods-besteffort.slice", "cri-containerd-abc.scope"))
        #expect(try systemd.cgroupLocation("machine.slice:libpod:c1", id: "x") == ("machine.slice", "libpod-c1.scope"))
        #expect(throws: SwrunError.self) { try systemd.cgroupLocation("/not/systemd", id: "x") }
        #expect(throws: SwrunError.self) { try OCIRuntime.validate(id: "../x") }
    }

    @Test func mountOptionParsing() {
        let parsed = MountFlags.parse(options: ["ro", "rw", "nosuid", "rbind", "rprivate", "size=1m"])
        #expect(parsed.flags == MountFlags.noSuid | MountFlags.bind | MountFlags.recursive)
        #expect(parsed.propagation == MountFlags.privatePropagation | MountFlags.recursive)
        #expect(parsed.data == "size=1m")
    }
}
