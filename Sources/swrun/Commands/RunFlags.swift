import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

/// Flags that shape the container's process (shared by run and, later, create/exec).
struct ProcessFlags: ParsableArguments {
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE, or KEY to copy it).")
    var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read environment variables from a file.")
    var envFile: [String] = []
    @Option(name: [.customShort("w"), .long], help: "Working directory inside the container.")
    var workdir: String?
    @Option(name: [.customShort("u"), .long], help: "USER[:GROUP], names or numbers.")
    var user: String?
    @Option(name: .customLong("group-add"), help: "Add a supplementary group.")
    var groupAdd: [String] = []
    @Flag(name: [.customShort("i"), .long], help: "Keep STDIN open.")
    var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Allocate a pseudo-TTY.")
    var tty = false

    func environment() throws -> [String] {
        var result: [String] = []
        for file in envFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SwrunError(.notFound, "open \(file): no such file or directory")
            }
            result += OptionParsing.envFile(String(decoding: data, as: UTF8.self))
        }
        return result + env
    }
}

/// cgroup limits.
struct ResourceFlags: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "Memory limit (e.g. 512m, 1g).")
    var memory: String?
    @Option(name: .customLong("memory-swap"), parsing: .unconditional, help: "Memory plus swap limit; -1 for unlimited swap.")
    var memorySwap: String?
    @Option(name: .long, help: "Number of CPUs (e.g. 1.5).")
    var cpus: Double?
    @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight).")
    var cpuShares: UInt64?
    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Maximum number of processes (-1 for unlimited).")
    var pidsLimit: Int64?
    @Option(name: .long, help: "Resource limit NAME=SOFT[:HARD].")
    var ulimit: [String] = []
    @Option(name: .customLong("cgroup-parent"), help: "Parent cgroup for the container.")
    var cgroupParent: String?
}

/// Confinement.
struct SecurityFlags: ParsableArguments {
    @Option(name: .customLong("cap-add"), help: "Add a Linux capability (or ALL).")
    var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop a Linux capability (or ALL).")
    var capDrop: [String] = []
    @Flag(name: .long, help: "Give the container all capabilities, no seccomp, all devices.")
    var privileged = false
    @Option(name: .customLong("security-opt"), help: "seccomp=PROFILE.json|unconfined, no-new-privileges.")
    var securityOpt: [String] = []
}

extension ContainerOptions {
    init(process: ProcessFlags, resources: ResourceFlags, security: SecurityFlags) throws {
        self.init()
        env = try process.environment()
        workdir = process.workdir
        user = process.user
        groupAdd = process.groupAdd
        interactive = process.interactive
        tty = process.tty
        memory = try resources.memory.map(OptionParsing.bytes).flatMap { $0 == 0 ? nil : $0 }  // 0: unlimited, as docker
        memorySwap = try resources.memorySwap.map(OptionParsing.bytes)
        cpus = resources.cpus.flatMap { $0 == 0 ? nil : $0 }  // 0: unlimited, as docker
        cpuShares = resources.cpuShares
        pidsLimit = resources.pidsLimit
        ulimits = resources.ulimit
        cgroupParent = resources.cgroupParent
        capAdd = security.capAdd
        capDrop = security.capDrop
        privileged = security.privileged
        securityOpts = security.securityOpt
    }
}

/// Volumes beyond `-v`: `--mount` and `--volumes-from`.
struct VolumeFlags: ParsableArguments {
    @Option(name: .long, help: "Attach a filesystem mount: type=bind|volume|tmpfs,source=,target=[,readonly]….")
    var mount: [String] = []
    @Option(name: .customLong("volumes-from"), help: "Mount volumes from the specified container: CONTAINER[:ro|:rw].")
    var volumesFrom: [String] = []

    func apply(to options: inout ContainerOptions) {
        options.mounts = mount
        options.volumesFrom = volumesFrom
    }
}
