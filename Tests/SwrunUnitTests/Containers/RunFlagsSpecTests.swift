import CSwrun
import Testing
import SwrunCgroups
import SwrunOCI
import SwrunOS
@testable import SwrunRuntime

/// The run flags of issue 16 as they reach the spec and swrun-init's config, and the
/// values docker refuses before a container exists.
@Suite struct RunFlagsSpecTests {
    let image = ImageSnapshot(id: "sha256:" + String(repeating: "a", count: 64), name: "busybox", env: [], entrypoint: [],
                              cmd: ["sh"], workingDir: "", user: "", layerDirs: ["/layers/base"])

    func build(_ options: ContainerOptions, shared: [String: String] = [:]) throws -> ContainerSpec {
        try ContainerSpec.build(image: image, options: options, id: String(repeating: "b", count: 64), hostname: "bbbbbbbbbbbb",
                                networkNamespace: "/ns/b", sharedNamespaces: shared, hostEnv: [:])
    }

    func initConfig(_ spec: ContainerSpec) throws -> InitConfig {
        try InitConfig(spec: spec.runtimeSpec, rootfs: .directory("/c/rootfs"), bundle: "/c")
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return (error as? SwrunError)?.message ?? "\(error)" }
        return nil
    }

    /// Each case: a change to default options, and docker's refusal of it.
    static func refused(_ name: String) -> ContainerOptions {
        var o = ContainerOptions()
        switch name {
        case "tiny memory": o.memory = 1024
        case "swap under memory": o.memory = 64 << 20; o.memorySwap = 32 << 20
        case "swap alone": o.memorySwap = 64 << 20
        case "too many cpus": o.cpus = 3
        case "negative cpus": o.cpus = -1
        case "bad cpuset": o.cpusetCpus = "a"
        case "absent cpus": o.cpusetCpus = "0-3"
        case "absent mems": o.cpusetMems = "1"
        case "oom score": o.oomScoreAdj = 1001
        default: o.stopSignal = "SIGNOPE"
        }
        return o
    }

    @Test(arguments: [
        ("tiny memory", "Minimum memory limit allowed is 6MB"),
        ("swap under memory", "Minimum memoryswap limit should be larger than memory limit, see usage"),
        ("swap alone", "You should always set the Memory limit when using Memoryswap limit, see usage"),
        ("too many cpus", "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"),
        ("negative cpus", "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"),
        ("bad cpuset", "Invalid value a for cpuset cpus"),
        ("absent cpus", "Requested CPUs are not available - requested 0-3, available: 0-1"),
        ("absent mems", "Requested memory nodes are not available - requested 1, available: 0"),
        ("oom score", "Invalid value 1001, range for oom score adj is [-1000, 1000]"),
        ("stop signal", "Invalid signal: SIGNOPE"),
    ])
    func refusedInDockersWords(change: String, expected: String) {
        let options = Self.refused(change)
        #expect(message { try options.validate(cpuCount: 2, onlineCPUs: "0-1", onlineMems: "0") } == expected)
    }

    @Test func acceptedLimits() throws {
        var options = ContainerOptions()
        options.memory = 6 << 20
        options.memorySwap = -1
        options.cpus = 1.5
        options.cpusetCpus = "0,1"
        options.oomScoreAdj = -1000
        try options.validate(cpuCount: 2, onlineCPUs: "0-1", onlineMems: "0")
    }

    @Test func listParsing() {
        #expect(ContainerOptions.parseList("0-2,5") == [0, 1, 2, 5])
        #expect(ContainerOptions.parseList("2-1") == nil)
        #expect(ContainerOptions.parseList("x") == nil)
    }

    @Test func hostModesLeaveOutOrJoinNamespaces() throws {
        var options = ContainerOptions()
        options.ipc = "host"
        options.pid = "container:db"
        options.uts = "host"
        let spec = try build(options, shared: ["pid": "/proc/7/ns/pid", "shm": "/dev/shm"])
        let namespaces = spec.runtimeSpec.linux?.namespaces ?? []
        #expect(!namespaces.contains { $0.type == "ipc" || $0.type == "uts" })
        #expect(namespaces.contains(RuntimeSpec.Namespace(type: "pid", path: "/proc/7/ns/pid")))
        let shm = spec.runtimeSpec.mounts?.first { $0.destination == "/dev/shm" }
        #expect(shm?.type == "bind" && shm?.source == "/dev/shm")
        let config = try initConfig(spec)
        #expect(config.namespaces & SW_CLONE_NEWIPC == 0)
        #expect(config.namespaces & SW_CLONE_NEWUTS == 0)
        #expect(config.mounts.contains { $0.destination == "/dev/shm" && $0.kind == .bind })
    }

    @Test(arguments: [
        ("ipc", "bogus", "--ipc: invalid IPC mode"), ("pid", "private", "--pid: invalid PID mode"), ("uts", "container:x", "--uts: invalid UTS mode"),
    ])
    func badModes(flag: String, value: String, expected: String) {
        var options = ContainerOptions()
        switch flag {
        case "ipc": options.ipc = value
        case "pid": options.pid = value
        default: options.uts = value
        }
        #expect(message { _ = try build(options) } == expected)
    }

    @Test func shmSizeMountsASizedTmpfs() throws {
        var options = ContainerOptions()
        options.shmSize = 128 << 20
        let config = try initConfig(try build(options))
        let shm = try #require(config.mounts.first { $0.destination == "/dev/shm" })
        #expect(shm.fsType == "tmpfs" && shm.data.contains("size=134217728"))
        // Without the flag the init's own /dev/shm stays the only one.
        #expect(try !initConfig(try build(ContainerOptions())).mounts.contains { $0.destination == "/dev/shm" })
    }

    @Test func sysctlsOomAndCpuset() throws {
        var options = ContainerOptions()
        options.sysctls = ["net.ipv4.ip_forward=1", "kernel.shmmax=1000"]
        options.oomScoreAdj = 500
        options.cpusetCpus = "0"
        let spec = try build(options)
        #expect(spec.runtimeSpec.linux?.sysctl == ["net.ipv4.ip_forward": "1", "kernel.shmmax": "1000"])
        #expect(spec.limits.cpusetCpus == "0")
        #expect(spec.runtimeSpec.linux?.resources?.cpu?.cpus == "0")
        let config = try initConfig(spec)
        #expect(config.sysctls == ["kernel.shmmax=1000", "net.ipv4.ip_forward=1"])
        #expect(config.oomScoreAdj == 500)
    }

    @Test func onlyNamespacedSysctls() {
        var options = ContainerOptions()
        options.sysctls = ["kernel.hostname=x"]
        #expect(message { _ = try build(options) } == "invalid argument \"kernel.hostname=x\" for \"--sysctl\" flag: sysctl 'kernel.hostname=x' is not allowed")
        options.sysctls = ["net.ipv4.ip_forward=1"]
        options.network = "host"
        #expect(message { _ = try build(options) } == "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace")
    }

    @Test func deviceIsMadeAndAllowed() throws {
        var options = ContainerOptions()
        options.devices = ["/dev/null:/dev/mynull:rw"]
        let spec = try build(options)
        #expect(spec.runtimeSpec.linux?.devices == [RuntimeSpec.Device(type: "c", path: "/dev/mynull", major: 1, minor: 3, fileMode: 0o666,
                                                                       uid: 0, gid: 0)])
        #expect(spec.limits.extraAllowedDevices == ["c 1:3 rw"])
        #expect(spec.runtimeSpec.linux?.resources?.devices?.contains(
            RuntimeSpec.Resources.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rw")) == true)
        let config = try initConfig(spec)
        #expect(config.devices.map(\.path) == ["/dev/mynull"])
    }

    @Test(arguments: [
        ("/dev/nope", "error gathering device information while adding custom device \"/dev/nope\": no such file or directory"),
        ("/dev/null:/dev/x:rwx", "bad mode specified: rwx"),
        ("/dev/null:rel", "bad format for path: /dev/null:rel"),
        ("/tmp", "error gathering device information while adding custom device \"/tmp\": not a device node"),
    ])
    func badDevices(text: String, expected: String) {
        var options = ContainerOptions()
        options.devices = [text]
        #expect(message { _ = try build(options) } == expected)
    }

    @Test func deviceMappingDefaults() throws {
        #expect(try ContainerSpec.deviceMapping("/dev/zero") == ("/dev/zero", "/dev/zero", "rwm"))
        #expect(try ContainerSpec.deviceMapping("/dev/zero:r") == ("/dev/zero", "/dev/zero", "r"))
        #expect(try ContainerSpec.deviceMapping("/dev/zero:/dev/z") == ("/dev/zero", "/dev/z", "rwm"))
    }
}
