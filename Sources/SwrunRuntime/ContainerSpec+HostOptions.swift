import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS

extension ContainerSpec {
    /// The sysctls docker lets a container set outside the `net.` and `fs.mqueue.`
    /// trees: the IPC namespace's own.
    static let ipcSysctls: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ]

    /// `--ipc`, `--pid`, `--uts` applied to the namespaces `build` chose: `host` leaves
    /// the namespace out, `container:X` joins the path in `shared` (made by the runtime
    /// from X's PID 1).
    static func applyNamespaceModes(_ namespaces: inout [RuntimeSpec.Namespace], options: ContainerOptions,
                                    shared: [String: String]) throws {
        func set(_ type: String, _ mode: String?) {
            guard let mode, !mode.isEmpty else { return }
            namespaces.removeAll { $0.type == type }
            if mode == "host" { return }
            if let path = shared[type] {
                namespaces.append(RuntimeSpec.Namespace(type: type, path: path))
            } else {
                namespaces.append(RuntimeSpec.Namespace(type: type))
            }
        }
        try validateModes(options)
        set("ipc", options.ipc)
        set("pid", options.pid)
        if options.uts == "host" { namespaces.removeAll { $0.type == "uts" } }
    }

    /// docker's client checks of the mode flags.
    static func validateModes(_ options: ContainerOptions) throws {
        let container = { (mode: String) in mode.hasPrefix("container:") && mode.count > "container:".count }
        if let ipc = options.ipc, !["", "host", "private", "shareable", "none"].contains(ipc) && !container(ipc) {
            throw SwrunError(.invalidArgument, "--ipc: invalid IPC mode")
        }
        if let pid = options.pid, !["", "host"].contains(pid) && !container(pid) {
            throw SwrunError(.invalidArgument, "--pid: invalid PID mode")
        }
        if let uts = options.uts, !["", "host"].contains(uts) {
            throw SwrunError(.invalidArgument, "--uts: invalid UTS mode")
        }
        if options.uts == "host" && options.hostname != nil {
            throw SwrunError(.invalidArgument, "Conflicting options: hostname and the UTS mode")
        }
    }

    /// The flags that only add to a built spec: `--shm-size`, `--device`, `--sysctl`,
    /// `--oom-score-adj`, `--cpuset-*` (the caller rewrites the spec's resources from
    /// `limits` after); and the host's /dev/shm for `--ipc host` (`sharedShm`).
    static func applyHostOptions(_ spec: inout RuntimeSpec, limits: inout CgroupLimits, options: ContainerOptions,
                                 sharedShm: String?) throws {
        limits.cpusetCpus = options.cpusetCpus.flatMap { $0.isEmpty ? nil : $0 }
        limits.cpusetMems = options.cpusetMems.flatMap { $0.isEmpty ? nil : $0 }
        if let adj = options.oomScoreAdj { spec.process?.oomScoreAdj = adj }

        var sysctls: [String: String] = [:]
        for entry in options.sysctls {
            let (key, value) = try sysctl(entry)
            if key.hasPrefix("net.") && options.network == "host" {
                throw SwrunError(.invalidArgument, "sysctl \"\(key)\" not allowed in host network namespace")
            }
            if !key.hasPrefix("net.") && options.ipc == "host" {
                throw SwrunError(.invalidArgument, "sysctl \"\(key)\" not allowed in host IPC namespace")
            }
            sysctls[key] = value
        }
        if !sysctls.isEmpty { spec.linux?.sysctl = sysctls }

        var devices: [RuntimeSpec.Device] = []
        var rules: [String] = []
        for text in options.devices {
            let mapping = try deviceMapping(text)
            let device = try hostDevice(mapping.host, containerPath: mapping.container)
            devices.append(device)
            rules.append("\(device.type) \(device.major ?? 0):\(device.minor ?? 0) \(mapping.permissions)")
        }
        if !devices.isEmpty {
            spec.linux?.devices = devices
            limits.extraAllowedDevices = (limits.extraAllowedDevices ?? []) + rules
        }

        let shm: RuntimeSpec.Mount?
        if let sharedShm {
            shm = RuntimeSpec.Mount(destination: "/dev/shm", type: "bind", source: sharedShm, options: ["rbind", "rw"])
        } else if let size = options.shmSize, size > 0 {
            shm = RuntimeSpec.Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                                    options: ["nosuid", "noexec", "nodev", "mode=1777", "size=\(size)"])
        } else {
            shm = nil
        }
        if let shm, let index = spec.mounts?.firstIndex(where: { $0.destination == "/dev/shm" }) {
            spec.mounts?[index] = shm
        }
    }

    /// `KEY=VALUE` for a sysctl a container may set (docker's ValidateSysctl).
    static func sysctl(_ entry: String) throws -> (String, String) {
        let refused = SwrunError(.invalidArgument, "invalid argument \"\(entry)\" for \"--sysctl\" flag: sysctl '\(entry)' is not allowed")
        guard let equals = entry.firstIndex(of: "=") else { throw refused }
        let key = String(entry[..<equals])
        guard ipcSysctls.contains(key) || key.hasPrefix("net.") || key.hasPrefix("fs.mqueue.") else { throw refused }
        return (key, String(entry[entry.index(after: equals)...]))
    }

    /// `--device HOST[:CONTAINER][:PERMS]` read as docker's client does.
    static func deviceMapping(_ text: String) throws -> (host: String, container: String, permissions: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let validMode = { (mode: String) in
            !mode.isEmpty && mode.count <= 3 && mode.allSatisfy { "rwm".contains($0) } && Set(mode).count == mode.count
        }
        var permissions = "rwm"
        var container = ""
        switch parts.count {
        case 1:
            break
        case 2:
            if validMode(parts[1]) { permissions = parts[1] } else { container = parts[1] }
        case 3:
            container = parts[1]
            permissions = parts[2]
        default:
            throw SwrunError(.invalidArgument, "invalid device specification: \(text)")
        }
        guard validMode(permissions) else { throw SwrunError(.invalidArgument, "bad mode specified: \(permissions)") }
        if container.isEmpty { container = parts[0] }
        guard parts[0].hasPrefix("/"), container.hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "bad format for path: \(text)")
        }
        return (parts[0], container, permissions)
    }

    /// The host's device node at `path` as the spec's device at `containerPath`.
    static func hostDevice(_ path: String, containerPath: String) throws -> RuntimeSpec.Device {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = String(cString: strerror(errno)).lowercased()
            throw SwrunError(.invalidArgument, "error gathering device information while adding custom device \"\(path)\": \(reason)")
        }
        let type: String
        switch info.st_mode & S_IFMT {
        case S_IFCHR: type = "c"
        case S_IFBLK: type = "b"
        default:
            throw SwrunError(.invalidArgument, "error gathering device information while adding custom device \"\(path)\": not a device node")
        }
        return RuntimeSpec.Device(type: type, path: containerPath, major: Int64(sw_major(info.st_rdev)),
                                  minor: Int64(sw_minor(info.st_rdev)), fileMode: UInt32(info.st_mode & 0o777),
                                  uid: info.st_uid, gid: info.st_gid)
    }
}
