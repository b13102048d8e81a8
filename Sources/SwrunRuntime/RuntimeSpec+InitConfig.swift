import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS
import SwrunSecurity

/// Where a container's root filesystem comes from.
public enum RootfsSource: Sendable, Equatable {
    /// A plain directory (an OCI bundle's rootfs), bound onto itself.
    case directory(String)
    /// Image layers (base first) under the container's upper and work dirs, mounted
    /// at `target`.
    case overlay(layers: [String], upperDir: String, workDir: String, target: String)
}

extension InitConfig {
    /// The one translation of an OCI runtime spec into what swrun-init needs: both
    /// front ends (`swrun` and `swrun-oci`) start containers through it. Pure apart
    /// from compiling the seccomp filter (cached in `seccompCacheDir` when given).
    /// Fields the runtime fills later (cgroup, log, exit record, runtime mode) stay
    /// empty.
    public init(spec: RuntimeSpec, rootfs: RootfsSource, bundle: String, seccompCacheDir: String? = nil) throws {
        self.init()
        switch rootfs {
        case .directory(let path):
            self.rootfs = path
        case .overlay(let layers, let upper, let work, let target):
            lowerDirs = layers.reversed()
            upperDir = upper
            workDir = work
            self.rootfs = target
        }
        readonlyRootfs = spec.root?.readonly ?? false
        hostname = spec.hostname ?? ""
        domainname = spec.domainname ?? ""
        let linux = spec.linux

        // Namespaces: created, or joined by path. A mount namespace is always made.
        var flags = SW_CLONE_NEWNS
        for ns in linux?.namespaces ?? [] {
            guard let flag = Self.namespaceFlags[ns.type] else {
                throw SwrunError(.invalidArgument, "config.json: unknown namespace type \"\(ns.type)\"")
            }
            if ns.type == "time" {
                throw SwrunError(.unsupported, "config.json: time namespaces are not supported by swrun")
            }
            if let path = ns.path, !path.isEmpty {
                joinNamespaces.append(InitNamespacePath(flag: flag, path: path))
            } else {
                flags |= flag
            }
        }
        namespaces = flags
        // A user namespace joined by path is entered first, so the others are owned by it.
        joinNamespaces.sort { ($0.flag == SW_CLONE_NEWUSER ? 0 : 1) < ($1.flag == SW_CLONE_NEWUSER ? 0 : 1) }
        if flags & SW_CLONE_NEWUSER != 0 {
            let map = { (m: RuntimeSpec.IDMapping) in InitIDMap(containerID: m.containerID, hostID: m.hostID, size: m.size) }
            uidMappings = (linux?.uidMappings ?? []).map(map)
            gidMappings = (linux?.gidMappings ?? []).map(map)
            guard !uidMappings.isEmpty, !gidMappings.isEmpty else {
                throw SwrunError(.invalidArgument, "config.json: a new user namespace needs linux.uidMappings and linux.gidMappings")
            }
        }

        // Mounts: the kernel filesystems swrun-init sets up itself, the rest as given.
        for m in spec.mounts ?? [] {
            guard m.destination.hasPrefix("/") else {
                throw SwrunError(.invalidArgument, "config.json: mount destination \"\(m.destination)\" is not absolute")
            }
            if m.destination == "/sys" { privileged = !(m.options ?? []).contains("ro") }
            if Self.builtInMounts.contains(m.destination) && !Self.isOwnShm(m) { continue }
            let options = MountFlags.parse(options: m.options ?? [])
            if m.type == "bind" || options.flags & MountFlags.bind != 0 {
                var source = m.source ?? ""
                if !source.hasPrefix("/") { source = bundle + "/" + source }
                mounts.append(InitMount(kind: .bind, source: source, destination: m.destination,
                                        flags: options.flags & ~(MountFlags.bind | MountFlags.recursive),
                                        propagation: options.propagation))
            } else {
                let type = m.type ?? ""
                guard !type.isEmpty else {
                    throw SwrunError(.invalidArgument, "config.json: mount \(m.destination) has no type")
                }
                mounts.append(InitMount(kind: .filesystem, source: m.source ?? type, destination: m.destination,
                                        fsType: type, flags: options.flags, data: options.data, propagation: options.propagation))
            }
        }
        maskedPaths = linux?.maskedPaths ?? []
        readonlyPaths = linux?.readonlyPaths ?? []
        sysctls = (linux?.sysctl ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if let propagation = linux?.rootfsPropagation, !propagation.isEmpty {
            let parsed = MountFlags.parse(options: [propagation])
            guard parsed.propagation != 0 else {
                throw SwrunError(.invalidArgument, "config.json: unknown rootfsPropagation \"\(propagation)\"")
            }
            rootfsPropagation = parsed.propagation
        }
        devices = try (linux?.devices ?? []).map(Self.device)

        guard let process = spec.process else {
            throw SwrunError(.invalidArgument, "config.json: no process")
        }
        try apply(process: process)
        if let user = spec.annotations?[ContainerSpec.userAnnotation] { self.user = user }
        if let groups = spec.annotations?[ContainerSpec.groupsAnnotation] {
            additionalGroups = groups.split(separator: ",").map(String.init)
        }
        if let seccomp = linux?.seccomp {
            seccompFilter = try Self.compile(seccomp, capabilities: CapabilitySet(mask: capabilitySets.first ?? 0),
                                             cacheDir: seccompCacheDir)
        }
    }

    /// The process part of a spec: the container's init, or an `exec`'d process.
    public mutating func apply(process: RuntimeSpec.Process) throws {
        args = process.args ?? []
        guard !args.isEmpty else { throw SwrunError(.invalidArgument, "config.json: process.args must not be empty") }
        env = process.env ?? []
        guard process.cwd.hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "config.json: process.cwd \"\(process.cwd)\" is not absolute")
        }
        cwd = process.cwd
        if let user = process.user {
            self.user = "\(user.uid):\(user.gid)"
            additionalGroups = (user.additionalGids ?? []).map(String.init)
            umask = user.umask
        } else {
            self.user = "0:0"
        }
        tty = process.terminal ?? false
        if let size = process.consoleSize {
            terminalRows = UInt64(size.height)
            terminalColumns = UInt64(size.width)
        }
        noNewPrivileges = process.noNewPrivileges ?? false
        oomScoreAdj = process.oomScoreAdj.map(Int64.init)
        rlimits = try (process.rlimits ?? []).map { limit in
            let lowered = limit.type.lowercased()
            let name = lowered.hasPrefix("rlimit_") ? String(lowered.dropFirst(7)) : lowered
            guard let resource = OptionParsing.rlimitNumbers[name] else {
                throw SwrunError(.invalidArgument, "config.json: unknown rlimit \"\(limit.type)\"")
            }
            return InitRlimit(resource: resource, soft: limit.soft, hard: limit.hard)
        }
        let caps = process.capabilities
        capabilitySets = try [caps?.bounding, caps?.effective, caps?.permitted, caps?.inheritable, caps?.ambient].map(Self.mask)
        capabilities = capabilitySets[0]
    }

    /// Capability names to a mask. A name no kernel knows is an error; one this
    /// kernel lacks is left out (it cannot be held), as runc does.
    static func mask(_ names: [String]?) throws -> UInt64 {
        var set = CapabilitySet(mask: 0)
        let last = Int(sw_cap_last_cap())
        for name in names ?? [] {
            guard name.uppercased().hasPrefix("CAP_"), let number = try? CapabilitySet.number(forName: name) else {
                throw SwrunError(.invalidArgument, "config.json: unknown capability \"\(name)\"")
            }
            if number <= last { set.insert(number) }
        }
        return set.mask
    }

    static func device(_ d: RuntimeSpec.Device) throws -> InitDevice {
        let type: UInt32
        switch d.type {
        case "c", "u": type = 0o020000
        case "b": type = 0o060000
        case "p": type = 0o010000
        default: throw SwrunError(.invalidArgument, "config.json: device \(d.path): unknown type \"\(d.type)\"")
        }
        guard d.path.hasPrefix("/dev/") else {
            throw SwrunError(.invalidArgument, "config.json: device path \"\(d.path)\" is not under /dev")
        }
        return InitDevice(type: type, path: d.path, major: UInt32(clamping: d.major ?? 0), minor: UInt32(clamping: d.minor ?? 0),
                          mode: d.fileMode ?? 0o666, uid: d.uid ?? 0, gid: d.gid ?? 0)
    }

    static func compile(_ seccomp: RuntimeSpec.Seccomp, capabilities: CapabilitySet, cacheDir: String?) throws -> [UInt8] {
        // The OCI seccomp object is a subset of Docker's profile format.
        let profile = { try SeccompProfile.parse(json: OCIJSON.encode(seccomp)) }
        if let cacheDir {
            return try SeccompCompiler.cachedFilter(
                keyMaterial: try seccomp.filterKeyMaterial(), capabilities: capabilities, cacheDir: cacheDir, profile: profile)
        }
        return try SeccompCompiler.compile(profile(), capabilities: capabilities)
    }

    /// Destinations swrun-init mounts itself, whatever the spec says of them.
    static let builtInMounts: Set<String> = ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]

    /// A /dev/shm other than the default tmpfs every container gets (`--shm-size`,
    /// `--ipc host|container:X`): mounted over it.
    static func isOwnShm(_ m: RuntimeSpec.Mount) -> Bool {
        m.destination == "/dev/shm" && !(m.type == "tmpfs" && Set(m.options ?? []) == ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"])
    }

    static let namespaceFlags: [String: UInt64] = [
        "pid": SW_CLONE_NEWPID, "network": SW_CLONE_NEWNET, "mount": SW_CLONE_NEWNS, "ipc": SW_CLONE_NEWIPC,
        "uts": SW_CLONE_NEWUTS, "user": SW_CLONE_NEWUSER, "cgroup": SW_CLONE_NEWCGROUP, "time": 0x80,
    ]
}

extension CgroupLimits {
    /// The limits of an OCI spec's `linux.resources` that swrun applies: memory (limit,
    /// swap, reservation, swappiness, OOM killer), CPU (quota, period, shares, real-time,
    /// cpuset), pids, devices. The rest is not applied (docs/oci.md).
    public init(resources: RuntimeSpec.Resources?) {
        self.init()
        guard let resources else { return }
        if let limit = resources.memory?.limit, limit > 0 { memory = limit }
        if let swap = resources.memory?.swap, swap != 0, memory != nil { memorySwap = swap }
        if let cpu = resources.cpu {
            // Kept as given: a period other than docker's 100 ms must reach the cgroup.
            if let quota = cpu.quota, quota > 0 || cpu.period != nil { cfsQuota = quota }
            if let period = cpu.period, period > 0 { cfsPeriod = period }
            if let quota = cpu.quota, quota > 0 {
                let period = cpu.period ?? 100_000
                cpus = Double(quota) / Double(period == 0 ? 100_000 : period)
            }
            cpuShares = cpu.shares
            rtRuntime = cpu.realtimeRuntime
            rtPeriod = cpu.realtimePeriod
            cpusetCpus = cpu.cpus.flatMap { $0.isEmpty ? nil : $0 }
            cpusetMems = cpu.mems.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let memory = resources.memory {
            memoryReservation = memory.reservation
            memorySwappiness = memory.swappiness
            disableOOMKiller = memory.disableOOMKiller
        }
        if let limit = resources.pids?.limit { pidsLimit = limit }
        // A rule allowing every device lifts the restriction; allow rules add to docker's list.
        var extra: [String] = []
        for rule in resources.devices ?? [] where rule.allow {
            let type = rule.type ?? "a"
            let access = rule.access ?? "rwm"
            if type == "a" && rule.major == nil && rule.minor == nil {
                restrictDevices = false
                continue
            }
            let number = { (n: Int64?) in n.map { $0 < 0 ? "*" : String($0) } ?? "*" }
            for kind in type == "a" ? ["c", "b"] : [type] {
                extra.append("\(kind) \(number(rule.major)):\(number(rule.minor)) \(access)")
            }
        }
        extraAllowedDevices = extra.isEmpty ? nil : extra
    }
}
