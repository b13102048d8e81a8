import CSwrun
import Foundation
import SwrunCgroups
import SwrunOS
import SwrunSecurity

/// The init config and cgroup limits of one container, built from the image and the
/// run options. Pure apart from reading host facts it is given.
public struct ContainerSpec: Sendable {
    public var initConfig: InitConfig
    public var limits: CgroupLimits
    /// Docker's seccomp profile JSON to compile, or nil when unconfined.
    public var seccompProfile: [UInt8]?
    public var capabilities: CapabilitySet

    /// Builds the spec. `hostEnv` answers `-e KEY` lookups (docker copies the client's value).
    public static func build(image: ImageSnapshot, options: ContainerOptions, id: String, hostname: String,
                             hostEnv: [String: String] = ProcessInfo.processInfo.environment) throws -> ContainerSpec {
        var config = InitConfig()
        config.lowerDirs = image.layerDirs.reversed()
        config.hostname = hostname
        config.readonlyRootfs = options.readOnly
        config.privileged = options.privileged
        config.useInit = options.useInit
        config.tty = options.tty

        var namespaces = SW_CLONE_NEWNS | SW_CLONE_NEWPID | SW_CLONE_NEWIPC | SW_CLONE_NEWCGROUP
        switch options.network {
        case "none", "":
            namespaces |= SW_CLONE_NEWNET | SW_CLONE_NEWUTS
        case "host":
            break
        default:
            throw SwrunError(.unsupported, "network \"\(options.network)\" is not supported: use none or host")
        }
        config.namespaces = namespaces

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
        config.args = entrypoint + cmd
        guard !config.args.isEmpty else { throw SwrunError(.invalidArgument, "no command specified") }

        config.env = mergeEnvironment(image: image.env, overrides: options.env, hostEnv: hostEnv)
        if !config.env.contains(where: { $0.hasPrefix("PATH=") }) { config.env.insert("PATH=" + DockerDefaults.path, at: 0) }
        setEnv(&config.env, "HOSTNAME", hostname)
        if options.tty && !config.env.contains(where: { $0.hasPrefix("TERM=") }) { config.env.append("TERM=xterm") }

        let workdir = options.workdir ?? (image.workingDir.isEmpty ? "/" : image.workingDir)
        guard workdir.hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "the working directory '\(workdir)' is invalid, it needs to be an absolute path")
        }
        config.cwd = workdir
        config.user = options.user ?? image.user
        config.additionalGroups = options.groupAdd

        config.mounts = try options.volumes.map(OptionParsing.volume) + options.tmpfs.map(OptionParsing.tmpfs)
        config.rlimits = try options.ulimits.map(OptionParsing.ulimit)

        if !options.privileged {
            config.maskedPaths = DockerDefaults.maskedPaths
            config.readonlyPaths = DockerDefaults.readonlyPaths
        }

        let capabilities = try CapabilitySet.resolve(privileged: options.privileged, add: options.capAdd, drop: options.capDrop)
        config.capabilities = capabilities.mask

        var seccomp: [UInt8]? = options.privileged ? nil : Array(SeccompProfile.dockerDefaultJSON.utf8)
        for opt in options.securityOpts {
            let (key, value) = splitOption(opt)
            switch key {
            case "seccomp":
                if value == "unconfined" {
                    seccomp = nil
                } else {
                    guard let data = FileManager.default.contents(atPath: value) else {
                        throw SwrunError(.invalidArgument, "opening seccomp profile (\(value)) failed: no such file")
                    }
                    seccomp = Array(data)
                }
            case "no-new-privileges":
                switch value {
                case "", "true": config.noNewPrivileges = true
                case "false": config.noNewPrivileges = false
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
        if let swap = options.memorySwap, swap != -1 {
            guard let memory = options.memory else {
                throw SwrunError(.invalidArgument, "you should always set the memory limit when using the memoryswap limit")
            }
            guard swap >= memory else {
                throw SwrunError(.invalidArgument, "minimum memoryswap limit should be larger than memory limit")
            }
        }
        return ContainerSpec(initConfig: config, limits: limits, seccompProfile: seccomp, capabilities: capabilities)
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
