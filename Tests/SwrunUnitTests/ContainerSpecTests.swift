import CSwrun
import Testing
import SwrunOS
@testable import SwrunRuntime

@Suite struct ContainerSpecTests {
    let image = ImageSnapshot(id: "sha256:" + String(repeating: "a", count: 64), name: "busybox",
                              env: ["PATH=/bin", "FOO=image"], entrypoint: [], cmd: ["sh"], workingDir: "", user: "",
                              layerDirs: ["/layers/base", "/layers/top"])

    func build(_ options: ContainerOptions, image: ImageSnapshot? = nil) throws -> ContainerSpec {
        try ContainerSpec.build(image: image ?? self.image, options: options, id: String(repeating: "b", count: 64),
                                hostname: "bbbbbbbbbbbb", hostEnv: ["HOSTVAR": "fromhost"])
    }

    @Test func defaults() throws {
        let spec = try build(ContainerOptions())
        let c = spec.initConfig
        #expect(c.lowerDirs == ["/layers/top", "/layers/base"])
        #expect(c.args == ["sh"])
        #expect(c.env == ["PATH=/bin", "FOO=image", "HOSTNAME=bbbbbbbbbbbb"])
        #expect(c.cwd == "/")
        #expect(c.namespaces == SW_CLONE_NEWNS | SW_CLONE_NEWPID | SW_CLONE_NEWIPC | SW_CLONE_NEWCGROUP | SW_CLONE_NEWNET | SW_CLONE_NEWUTS)
        #expect(c.capabilities == 0xa80425fb)
        #expect(c.maskedPaths.contains("/proc/timer_list"))
        #expect(c.readonlyPaths.contains("/proc/sys"))
        #expect(spec.seccompProfile != nil)
        #expect(spec.limits.restrictDevices)
    }

    @Test func commandAndEntrypointFollowDocker() throws {
        var options = ContainerOptions()
        options.command = ["echo", "hi"]
        #expect(try build(options).initConfig.args == ["echo", "hi"])
        var withEntrypoint = image
        withEntrypoint.entrypoint = ["/entry"]
        #expect(try build(options, image: withEntrypoint).initConfig.args == ["/entry", "echo", "hi"])
        // --entrypoint clears the image's CMD.
        var override = ContainerOptions()
        override.entrypoint = "/bin/date"
        #expect(try build(override, image: withEntrypoint).initConfig.args == ["/bin/date"])
        var empty = image
        empty.cmd = []
        #expect(throws: SwrunError.self) { try build(ContainerOptions(), image: empty) }
    }

    @Test func environmentMergesByKey() throws {
        var options = ContainerOptions()
        options.env = ["FOO=cli", "NEW=1", "HOSTVAR", "MISSING"]
        #expect(try build(options).initConfig.env == ["PATH=/bin", "FOO=cli", "NEW=1", "HOSTVAR=fromhost", "HOSTNAME=bbbbbbbbbbbb"])
        var noPath = image
        noPath.env = []
        #expect(try build(ContainerOptions(), image: noPath).initConfig.env.first == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    }

    @Test func hostNetworkSharesNetworkAndUTS() throws {
        var options = ContainerOptions()
        options.network = "host"
        let flags = try build(options).initConfig.namespaces
        #expect(flags & SW_CLONE_NEWNET == 0)
        #expect(flags & SW_CLONE_NEWUTS == 0)
        options.network = "bridge"
        #expect(throws: SwrunError.self) { try build(options) }
    }

    @Test func privilegedDropsConfinement() throws {
        var options = ContainerOptions()
        options.privileged = true
        let spec = try build(options)
        #expect(spec.seccompProfile == nil)
        #expect(spec.initConfig.maskedPaths.isEmpty)
        #expect(!spec.limits.restrictDevices)
        #expect(spec.initConfig.capabilities.nonzeroBitCount > 14)
    }

    @Test func securityOptions() throws {
        var options = ContainerOptions()
        options.securityOpts = ["seccomp=unconfined", "no-new-privileges"]
        let spec = try build(options)
        #expect(spec.seccompProfile == nil)
        #expect(spec.initConfig.noNewPrivileges)
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
        #expect(try build(options).initConfig.cwd == "/abs")
    }

    @Test func memorySwapNeedsMemory() throws {
        var options = ContainerOptions()
        options.memorySwap = 100
        #expect(throws: SwrunError.self) { try build(options) }
        options.memory = 200
        #expect(throws: SwrunError.self) { try build(options) }
        options.memorySwap = 300
        #expect(try build(options).limits.memorySwap == 300)
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
