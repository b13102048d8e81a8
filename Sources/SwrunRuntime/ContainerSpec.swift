import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS
import SwrunSecurity

/// A docker-level container: the OCI runtime spec built from the image and the run
/// options, and its cgroup limits. Pure apart from reading a `--security-opt
/// seccomp=FILE` profile. swrun-init gets its config from the spec through the one
/// translation, `InitConfig(spec:rootfs:bundle:)`.
public struct ContainerSpec: Sendable {
    /// Written as `containers/<id>/config.json`; `inspect` reads it.
    public var runtimeSpec: RuntimeSpec
    public var limits: CgroupLimits
    /// `--init`: a reaper as PID 1 (swrun-init's, so not part of the OCI spec).
    public var useInit: Bool

    /// Annotations carrying docker's `--user` and `--group-add` as given: names are
    /// resolved in the container's own /etc/passwd and /etc/group when it starts, as
    /// docker does, which a spec's numeric uid/gid cannot say.
    public static let userAnnotation = "io.swrun.user"
    public static let groupsAnnotation = "io.swrun.group-add"

    /// Builds the spec. `hostEnv` answers `-e KEY` lookups (docker copies the client's value).
    /// `networkNamespace`: the namespace a bridge or container network gives the
    /// container (joined by path); nil with `--network none` (a new, empty one) or host.
    public static func build(image: ImageSnapshot, options: ContainerOptions, id: String, hostname: String,
                             networkNamespace: String? = nil, sharedNamespaces: [String: String] = [:],
                             hostEnv: [String: String] = ProcessInfo.processInfo.environment) throws -> ContainerSpec {
        try options.validate()
        var namespaces = [RuntimeSpec.Namespace(type: "pid"), RuntimeSpec.Namespace(type: "ipc"), RuntimeSpec.Namespace(type: "mount"),
                          RuntimeSpec.Namespace(type: "cgroup")]
        switch options.network {
        case "host":
            break
        case "none":
            namespaces += [RuntimeSpec.Namespace(type: "network"), RuntimeSpec.Namespace(type: "uts")]
        default:
            guard let networkNamespace else {
                throw SwrunError(.internalError, "network \(options.network): no network namespace was set up")
            }
            namespaces += [RuntimeSpec.Namespace(type: "network", path: networkNamespace), RuntimeSpec.Namespace(type: "uts")]
        }
        try applyNamespaceModes(&namespaces, options: options, shared: sharedNamespaces)

        // Command: --entrypoint replaces the image's entrypoint and clears its CMD, as docker.
        let entrypoint: [String]
        var cmd: [String]
        if let override = options.entrypoint {
            entrypoint = override.isEmpty ? [] : [override]
            cmd = []
        } else {
            entrypoint = image.entrypoint
            cmd = image.cmd
        }
        if !options.command.isEmpty { cmd = options.command }
        let args = entrypoint + cmd
        guard !args.isEmpty else { throw SwrunError(.invalidArgument, "no command specified") }

        var env = mergeEnvironment(image: image.env, overrides: options.env, hostEnv: hostEnv)
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert("PATH=" + DockerDefaults.path, at: 0) }
        setEnv(&env, "HOSTNAME", hostname)
        if options.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) { env.append("TERM=xterm") }

        let workdir = options.workdir ?? (image.workingDir.isEmpty ? "/" : image.workingDir)
        guard workdir.hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "the working directory '\(workdir)' is invalid, it needs to be an absolute path")
        }

        let userMounts = try options.volumes.filter(MountRequest.isHostBind).map(OptionParsing.volume) + options.tmpfs.map(OptionParsing.tmpfs)
        let rlimits = try options.ulimits.map(OptionParsing.ulimit)
        let capabilities = try CapabilitySet.resolve(privileged: options.privileged, add: options.capAdd, drop: options.capDrop)

        // Docker's default unless privileged or told otherwise; a file is parsed here.
        var seccompProfile: SeccompProfile? = options.privileged ? nil : .dockerDefault
        var noNewPrivileges = false
        for opt in options.securityOpts {
            let (key, value) = splitOption(opt)
            switch key {
            case "seccomp":
                if value == "unconfined" {
                    seccompProfile = nil
                } else {
                    guard let data = FileManager.default.contents(atPath: value) else {
                        throw SwrunError(.invalidArgument, "opening seccomp profile (\(value)) failed: no such file")
                    }
                    seccompProfile = try SeccompProfile.parse(json: Array(data))
                }
            case "no-new-privileges":
                switch value {
                case "", "true": noNewPrivileges = true
                case "false": noNewPrivileges = false
                default: throw SwrunError(.invalidArgument, "invalid --security-opt: \(opt)")
                }
            default:
                throw SwrunError(.invalidArgument, "invalid --security-opt: \(opt)")
            }
        }

        var limits = CgroupLimits()
        limits.memory = options.memory
        limits.memorySwap = options.memorySwap
        limits.cpus = options.cpus
        limits.cpuShares = options.cpuShares
        limits.pidsLimit = options.pidsLimit
        limits.restrictDevices = !options.privileged

        let capNames = capabilities.names
        var annotations: [String: String] = [:]
        if let user = options.user ?? (image.user.isEmpty ? nil : image.user) { annotations[userAnnotation] = user }
        if !options.groupAdd.isEmpty { annotations[groupsAnnotation] = options.groupAdd.joined(separator: ",") }
        let process = RuntimeSpec.Process(
            terminal: options.tty, user: RuntimeSpec.User(uid: 0, gid: 0), args: args, env: env, cwd: workdir,
            capabilities: RuntimeSpec.Capabilities(bounding: capNames, effective: capNames, permitted: capNames),
            rlimits: rlimits.isEmpty ? nil : rlimits.map { limit in
                let name = OptionParsing.rlimitNumbers.first { $0.value == limit.resource }?.key ?? String(limit.resource)
                return RuntimeSpec.Rlimit(type: "RLIMIT_" + name.uppercased(), hard: limit.hard, soft: limit.soft)
            },
            noNewPrivileges: noNewPrivileges)
        var linux = RuntimeSpec.Linux(
            namespaces: namespaces,
            cgroupsPath: (options.cgroupParent ?? "swrun") + "/" + id,
            resources: RuntimeSpec.Resources(limits))
        if !options.privileged {
            linux.maskedPaths = DockerDefaults.maskedPaths
            linux.readonlyPaths = DockerDefaults.readonlyPaths
        }
        if let seccompProfile {
            linux.seccomp = RuntimeSpec.Seccomp(try seccompProfile.resolved(capabilities: capabilities))
        }
        var spec = RuntimeSpec(
            ociVersion: OCIRuntime.specVersion, process: process, root: RuntimeSpec.Root(path: "rootfs", readonly: options.readOnly),
            hostname: hostname, mounts: DockerDefaults.kernelMounts(privileged: options.privileged) + userMounts.map(RuntimeSpec.Mount.init),
            annotations: annotations.isEmpty ? nil : annotations, linux: linux)
        try applyHostOptions(&spec, limits: &limits, options: options, sharedShm: sharedNamespaces["shm"])
        spec.linux?.resources = RuntimeSpec.Resources(limits)
        return ContainerSpec(runtimeSpec: spec, limits: limits, useInit: options.useInit)
    }

    /// "seccomp=x", "seccomp:x" (old syntax) or "no-new-privileges".
    static func splitOption(_ opt: String) -> (String, String) {
        if let i = opt.firstIndex(where: { $0 == "=" || $0 == ":" }) {
            return (String(opt[..<i]), String(opt[opt.index(after: i)...]))
        }
        return (opt, "")
    }

    /// Image env, then -e/--env-file entries replacing by key. `KEY` alone copies the
    /// host's value, or is dropped when the host has none.
    static func mergeEnvironment(image: [String], overrides: [String], hostEnv: [String: String]) -> [String] {
        var env = image
        for entry in overrides {
            if entry.contains("=") {
                let key = String(entry.prefix(while: { $0 != "=" }))
                setEnv(&env, key, String(entry.dropFirst(key.count + 1)))
            } else if let value = hostEnv[entry] {
                setEnv(&env, entry, value)
            }
        }
        return env
    }

    static func setEnv(_ env: inout [String], _ key: String, _ value: String) {
        let entry = key + "=" + value
        if let i = env.firstIndex(where: { $0.hasPrefix(key + "=") }) { env[i] = entry } else { env.append(entry) }
    }
}
