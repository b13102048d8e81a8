import CSwrun
import Testing
import SwrunCgroups
import SwrunOS
@testable import SwrunRuntime

@Suite struct ContainerSpecTests {
    let image = ImageSnapshot(id: "sha256:" + String(repeating: "a", count: 64), name: "busybox",
                              env: ["PATH=/bin", "FOO=image"], entrypoint: [], cmd: ["sh"], workingDir: "", user: "",
                              layerDirs: ["/layers/base", "/layers/top"])

    /// Where swrun-net pins a bridge network's namespace for this container.
    static let networkNamespace = "/var/lib/swrun/network/ns/" + String(repeating: "b", count: 64)

    func build(_ options: ContainerOptions, image: ImageSnapshot? = nil) throws -> ContainerSpec {
        let joined = ["none", "host"].contains(options.network) ? nil : Self.networkNamespace
        return try ContainerSpec.build(image: image ?? self.image, options: options, id: String(repeating: "b", count: 64),
                                       hostname: "bbbbbbbbbbbb", networkNamespace: joined, hostEnv: ["HOSTVAR": "fromhost"])
    }

    /// What swrun-init gets: the spec through the one translation, over the image's layers.
    func initConfig(_ spec: ContainerSpec) throws -> InitConfig {
        try InitConfig(spec: spec.runtimeSpec,
                       rootfs: .overlay(layers: image.layerDirs, upperDir: "/c/upper", workDir: "/c/work", target: "/c/rootfs"),
                       bundle: "/c")
    }

    func initConfig(_ options: ContainerOptions, image: ImageSnapshot? = nil) throws -> InitConfig {
        try initConfig(build(options, image: image))
    }

    @Test func defaults() throws {
        let spec = try build(ContainerOptions())
        let c = try initConfig(spec)
        #expect(c.lowerDirs == ["/layers/top", "/layers/base"])
        #expect(c.args == ["sh"])
        #expect(c.env == ["PATH=/bin", "FOO=image", "HOSTNAME=bbbbbbbbbbbb"])
        #expect(c.cwd == "/")
        // The default bridge network: the namespace swrun-net made, joined by path.
        #expect(c.namespaces == SW_CLONE_NEWNS | SW_CLONE_NEWPID | SW_CLONE_NEWIPC | SW_CLONE_NEWCGROUP | SW_CLONE_NEWUTS)
        #expect(c.joinNamespaces.map(\.path) == [Self.networkNamespace])
        #expect(c.joinNamespaces.map(\.flag) == [SW_CLONE_NEWNET])
        #expect(c.capabilities == 0xa80425fb)
        #expect(c.maskedPaths.contains("/proc/timer_list"))
        #expect(c.readonlyPaths.contains("/proc/sys"))
        #expect(spec.runtimeSpec.linux?.seccomp != nil)
        #expect(!c.seccompFilter.isEmpty)
        #expect(spec.limits.restrictDevices)
        #expect(spec.runtimeSpec.linux?.cgroupsPath == "swrun/" + String(repeating: "b", count: 64))
        #expect(c.upperDir == "/c/upper" && c.rootfs == "/c/rootfs" && !c.privileged)
    }

    @Test func userAndGroupsResolveInTheContainer() throws {
        var options = ContainerOptions()
        options.user = "nobody:users"
        options.groupAdd = ["wheel", "10"]
        let c = try initConfig(options)
        #expect(c.user == "nobody:users")
        #expect(c.additionalGroups == ["wheel", "10"])
        #expect(try initConfig(ContainerOptions()).user == "0:0")
    }

    @Test func mountsAndLimitsSurviveTheSpec() throws {
        var options = ContainerOptions()
        options.volumes = ["/host:/data:ro"]
        options.tmpfs = ["/scratch:size=1m,exec"]
        options.ulimits = ["nofile=100:200"]
        options.memory = 64 << 20
        options.cpus = 1.5
        options.pidsLimit = 50
        let spec = try build(options)
        let c = try initConfig(spec)
        let bind = try #require(c.mounts.first { $0.destination == "/data" })
        #expect(bind.kind == .bind && bind.source == "/host" && bind.flags & MountFlags.readOnly != 0)
        let tmpfs = try #require(c.mounts.first { $0.destination == "/scratch" })
        #expect(tmpfs.kind == .filesystem && tmpfs.fsType == "tmpfs" && tmpfs.data == "size=1m")
        #expect(tmpfs.flags & MountFlags.noExec == 0 && tmpfs.flags & MountFlags.noSuid != 0)
        #expect(c.rlimits == [InitRlimit(resource: 7, soft: 100, hard: 200)])
        let limits = CgroupLimits(resources: spec.runtimeSpec.linux?.resources)
        #expect(limits.memory == 64 << 20 && limits.cpus == 1.5 && limits.pidsLimit == 50 && limits.restrictDevices)
    }

    @Test func commandAndEntrypointFollowDocker() throws {
        var options = ContainerOptions()
        options.command = ["echo", "hi"]
        #expect(try initConfig(options).args == ["echo", "hi"])
        var withEntrypoint = image
        withEntrypoint.entrypoint = ["/entry"]
        #expect(try initConfig(options, image: withEntrypoint).args == ["/entry", "echo", "hi"])
        // --entrypoint clears the image's CMD.
        var override = ContainerOptions()
        override.entrypoint = "/bin/date"
        #expect(try initConfig(override, image: withEntrypoint).args == ["/bin/date"])
        var empty = image
        empty.cmd = []
        #expect(throws: SwrunError.self) { try build(ContainerOptions(), image: empty) }
    }

    @Test func environmentMergesByKey() throws {
        var options = ContainerOptions()
        options.env = ["FOO=cli", "NEW=1", "HOSTVAR", "MISSING"]
        #expect(try initConfig(options).env == ["PATH=/bin", "FOO=cli", "NEW=1", "HOSTVAR=fromhost", "HOSTNAME=bbbbbbbbbbbb"])
        var noPath = image
        noPath.env = []
        #expect(try initConfig(ContainerOptions(), image: noPath).env.first == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    }

    @Test func hostNetworkSharesNetworkAndUTS() throws {
        var options = ContainerOptions()
        options.network = "host"
        let flags = try initConfig(options).namespaces
        #expect(flags & SW_CLONE_NEWNET == 0)
        #expect(flags & SW_CLONE_NEWUTS == 0)
        options.network = "none"
        #expect(try initConfig(options).namespaces & (SW_CLONE_NEWNET | SW_CLONE_NEWUTS) == SW_CLONE_NEWNET | SW_CLONE_NEWUTS)
        // A bridge network without the namespace swrun-net makes is a bug, caught here.
        options.network = "bridge"
        #expect(throws: SwrunError.self) {
            try ContainerSpec.build(image: image, options: options, id: String(repeating: "b", count: 64), hostname: "b")
        }
    }

    @Test func privilegedDropsConfinement() throws {
        var options = ContainerOptions()
        options.privileged = true
        let spec = try build(options)
        let c = try initConfig(spec)
        #expect(spec.runtimeSpec.linux?.seccomp == nil)
        #expect(c.maskedPaths.isEmpty && c.privileged)
        #expect(!spec.limits.restrictDevices)
        let limits = CgroupLimits(resources: spec.runtimeSpec.linux?.resources)
        #expect(!limits.restrictDevices)
        #expect(c.capabilities.nonzeroBitCount > 14)
    }

    @Test func securityOptions() throws {
        var options = ContainerOptions()
        options.securityOpts = ["seccomp=unconfined", "no-new-privileges"]
        let spec = try build(options)
        #expect(spec.runtimeSpec.linux?.seccomp == nil)
        #expect(try initConfig(spec).noNewPrivileges)
        options.securityOpts = ["apparmor=foo"]
        #expect(throws: SwrunError.self) { try build(options) }
        options.securityOpts = ["seccomp=/nonexistent.json"]
        #expect(throws: SwrunError.self) { try build(options) }
    }

    @Test func relativeWorkdirIsRefused() throws {
        var options = ContainerOptions()
        options.workdir = "rel"
        #expect(throws: SwrunError.self) { try build(options) }
        options.workdir = "/abs"
        #expect(try initConfig(options).cwd == "/abs")
    }

    @Test func memorySwapNeedsMemory() throws {
        var options = ContainerOptions()
        options.memorySwap = 100 << 20
        #expect(throws: SwrunError.self) { try build(options) }
        options.memory = 200 << 20
        #expect(throws: SwrunError.self) { try build(options) }
        options.memorySwap = 300 << 20
        #expect(try build(options).limits.memorySwap == 300 << 20)
    }

    @Test(arguments: ["web", "a.b-c_d", "X1"]) func validNames(name: String) throws {
        #expect(try ContainerRuntime.validateName(name) == name)
    }

    @Test(arguments: ["", "-x", "a b", "ü", "a/b"]) func invalidNames(name: String) {
        #expect(throws: SwrunError.self) { try ContainerRuntime.validateName(name) }
    }

    @Test func exitCodes() {
        #expect(ContainerRuntime.exitCode(3 << 8) == 3)
        #expect(ContainerRuntime.exitCode(9) == 137)
        #expect(ContainerRuntime.exitCode(15) == 143)
    }
}
