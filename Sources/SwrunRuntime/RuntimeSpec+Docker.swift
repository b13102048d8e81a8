import SwrunCgroups
import SwrunOCI
import SwrunOS

extension RuntimeSpec.Mount {
    /// A docker-level `-v` or `--tmpfs` mount in the spec's words.
    init(_ m: InitMount) {
        var options: [String] = m.kind == .bind ? ["rbind"] : []
        let named: [(UInt64, String)] = [
            (MountFlags.readOnly, "ro"), (MountFlags.noSuid, "nosuid"), (MountFlags.noDev, "nodev"), (MountFlags.noExec, "noexec"),
        ]
        for (flag, name) in named where m.flags & flag != 0 { options.append(name) }
        if m.kind == .bind && m.flags & MountFlags.readOnly == 0 { options.append("rw") }
        options += m.data.split(separator: ",").map(String.init)
        self.init(destination: m.destination, type: m.kind == .bind ? "bind" : m.fsType, source: m.source, options: options)
    }
}

extension RuntimeSpec.Resources {
    /// docker's limits in the spec's words; `CgroupLimits(resources:)` reads them back.
    init(_ limits: CgroupLimits) {
        self.init()
        if limits.memory != nil || limits.memorySwap != nil {
            memory = Memory(limit: limits.memory, swap: limits.memorySwap)
        }
        if limits.cpus != nil || limits.cpuShares != nil {
            let period: Int64 = 100_000
            cpu = CPU(shares: limits.cpuShares, quota: limits.cpus.map { Int64(($0 * Double(period)).rounded()) },
                      period: limits.cpus == nil ? nil : UInt64(period))
        }
        if let pids = limits.pidsLimit { self.pids = Pids(limit: pids) }
        if limits.cpusetCpus != nil || limits.cpusetMems != nil {
            if cpu == nil { cpu = CPU() }
            cpu?.cpus = limits.cpusetCpus
            cpu?.mems = limits.cpusetMems
        }
        devices = limits.restrictDevices
            ? [DeviceRule(allow: false, access: "rwm")]
            : [DeviceRule(allow: true, access: "rwm")]
        devices? += (limits.extraAllowedDevices ?? []).compactMap(DeviceRule.init(allowing:))
    }
}

extension DockerDefaults {
    /// The kernel filesystems every container gets (swrun-init mounts them itself; they
    /// are listed so the spec says what the container sees).
    static func kernelMounts(privileged: Bool) -> [RuntimeSpec.Mount] {
        let hidden = ["nosuid", "noexec", "nodev"]
        return [
            RuntimeSpec.Mount(destination: "/proc", type: "proc", source: "proc", options: hidden),
            RuntimeSpec.Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            RuntimeSpec.Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                              options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            RuntimeSpec.Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: hidden + (privileged ? [] : ["ro"])),
            RuntimeSpec.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                              options: hidden + (privileged ? [] : ["ro"])),
            RuntimeSpec.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: hidden),
            RuntimeSpec.Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: hidden + ["mode=1777", "size=65536k"]),
        ]
    }
}

extension RuntimeSpec.Resources.DeviceRule {
    /// An allow rule from v1's spelling ("c 1:5 rwm").
    init?(allowing v1: String) {
        let parts = v1.split(separator: " ")
        let numbers = parts.count == 3 ? parts[1].split(separator: ":") : []
        guard numbers.count == 2 else { return nil }
        self.init(allow: true, type: String(parts[0]), major: Int64(numbers[0]), minor: Int64(numbers[1]), access: String(parts[2]))
    }
}
