import CSwrun
import Glibc
import SwrunOS

extension ContainerChild {
    /// /proc, /dev, /sys and the cgroup tree, mounted inside the new root, in the
    /// order a spec lists them. In a user namespace /proc and /sys were made before
    /// `pivot_root` (see `mountProcAndSysEarly`).
    func setUpKernelFilesystems() throws {
        if !config.createsUserNamespace { try mountProc(under: "") }
        try setUpDev()
        if sysTree >= 0 {
            try makeDirectory("/sys")
            try check(kernel.moveMount(sysTree, to: "/sys"), "mount /sys")
            kernel.close(sysTree)
            sysTree = -1
            try reattachInOrder("/sys")
        } else {
            try mountSys(under: "")
        }
        if !config.runtimeMode { try awaitCgroupJoin() }
        try mountCgroupTree(readOnly: !config.privileged)
    }

    private func mountProc(under root: String) throws {
        try makeDirectory(root + "/proc")
        try check(kernel.mount("proc", root + "/proc", "proc", UInt(MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev), nil),
                  "mount /proc")
    }

    private func mountSys(under root: String) throws {
        try makeDirectory(root + "/sys")
        let flags = UInt(MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev) | (config.privileged ? 0 : UInt(MountFlags.readOnly))
        try check(kernel.mount("sysfs", root + "/sys", "sysfs", flags, nil), "mount /sys")
    }

    /// In a user namespace the kernel mounts a new proc or sysfs only while one is
    /// fully visible in the mount namespace, so both are made before `pivot_root`,
    /// under the new root. sysfs is then kept as a detached clone and attached after
    /// /dev, where a spec lists it.
    func mountProcAndSysEarly() throws {
        try mountProc(under: config.rootfs)
        try mountSys(under: config.rootfs)
        sysTree = kernel.openTreeClone(config.rootfs + "/sys", recursive: false)
        try check(sysTree, "clone /sys")
        try check(kernel.umount2(config.rootfs + "/sys", Int32(MNT_DETACH)), "detach early /sys")
    }

    private func setUpDev() throws {
        try makeDirectory("/dev")
        try check(kernel.mount("tmpfs", "/dev", "tmpfs", UInt(MountFlags.noSuid | MountFlags.strictAtime), "mode=755,size=65536k"), "mount /dev")
        for (name, major, minor) in defaultDevices {
            if try bindHostDevice("/dev/" + name) { continue }
            try check(kernel.mknod("/dev/" + name, S_IFCHR | 0o666, sw_makedev(major, minor)), "mknod /dev/\(name)")
        }
        try makeDirectory("/dev/pts")
        try check(kernel.mount("devpts", "/dev/pts", "devpts", UInt(MountFlags.noSuid | MountFlags.noExec),
                               "newinstance,ptmxmode=0666,mode=0620,gid=5"), "mount /dev/pts")
        try check(kernel.symlink("pts/ptmx", "/dev/ptmx"), "symlink /dev/ptmx")
        try makeDirectory("/dev/shm", mode: 0o1777)
        try check(kernel.mount("shm", "/dev/shm", "tmpfs", UInt(MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev),
                               "mode=1777,size=65536k"), "mount /dev/shm")
        if config.namespaces & SW_CLONE_NEWIPC != 0 {
            try makeDirectory("/dev/mqueue")
            try check(kernel.mount("mqueue", "/dev/mqueue", "mqueue", UInt(MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev), nil),
                      "mount /dev/mqueue")
        }
        for device in config.devices {
            try makeDevice(device)
        }
        let links = [("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"), ("/proc/self/fd/1", "/dev/stdout"),
                     ("/proc/self/fd/2", "/dev/stderr"), ("/proc/kcore", "/dev/core")]
        for (target, path) in links {
            try check(kernel.symlink(target, path), "symlink \(path)")
        }
    }

    /// One OCI `linux.devices` entry: replaces a default node of the same path.
    private func makeDevice(_ device: InitDevice) throws {
        try makeDirectory(FileIO.parentPath(device.path))
        _ = kernel.unlink(device.path)
        if try bindHostDevice(device.path) { return }
        let mode = mode_t(device.type) | mode_t(device.mode & 0o7777)
        try check(kernel.mknod(device.path, mode, sw_makedev(device.major, device.minor)), "mknod \(device.path)")
        try check(kernel.chmod(device.path, mode_t(device.mode & 0o7777)), "chmod \(device.path)")
        try check(kernel.chown(device.path, device.uid, device.gid), "chown \(device.path)")
    }

    /// In a user namespace: the host's node bound onto an empty file at `path`.
    /// False when there is no clone of it (mknod it is).
    private func bindHostDevice(_ path: String) throws -> Bool {
        guard let tree = deviceTrees.removeValue(forKey: path) else { return false }
        defer { kernel.close(tree) }
        let fd = kernel.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o666)
        try check(fd, "create \(path)")
        kernel.close(fd)
        try check(kernel.moveMount(tree, to: path), "bind host device \(path)")
        return true
    }

    /// Sysctls and the OOM score, while /proc/sys is still writable.
    func writeKernelSettings() throws {
        for entry in config.sysctls {
            guard let eq = entry.firstIndex(of: "=") else { continue }
            let key = String(entry[..<eq].map { $0 == "." ? "/" : $0 })
            let path = "/proc/sys/" + key
            do {
                try kernel.writeExisting(path, String(entry[entry.index(after: eq)...]))
            } catch let error as SwrunError {
                throw InitFailure("sysctl", errno: error.errno ?? EINVAL, message: "write sysctl \(entry[..<eq]): \(error.message)")
            }
        }
        try writeOOMScoreAdj()
    }

    /// `--oom-score-adj`, written while this process still holds every capability
    /// (below the current value takes CAP_SYS_RESOURCE), as runc writes it for the
    /// container's process and for each exec.
    func writeOOMScoreAdj() throws {
        guard let adj = config.oomScoreAdj else { return }
        do {
            try kernel.writeExisting("/proc/self/oom_score_adj", String(adj))
        } catch let error as SwrunError {
            let hint = error.errno == EACCES ? " (lowering it takes CAP_SYS_RESOURCE)" : ""
            throw InitFailure("oom_score_adj", errno: error.errno ?? EINVAL, message: "write oom_score_adj: \(error.message)\(hint)")
        }
    }

    private func mountCgroupTree(readOnly: Bool) throws {
        let flags = UInt(MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev) | (readOnly ? UInt(MountFlags.readOnly) : 0)
        let target = "/sys/fs/cgroup"
        // Without a cgroup namespace (an OCI spec may leave it out) a fresh cgroupfs shows
        // the host's root: the container's own cgroup is bound over it, as runc does.
        let own = config.namespaces & SW_CLONE_NEWCGROUP == 0 ? ownCgroupPaths() : [:]
        if !config.cgroupDirectory.isEmpty || config.cgroupV1Controllers.isEmpty {
            if kernel.mount("cgroup2", target, "cgroup2", flags, nil) < 0 {
                // A user namespace without a cgroup namespace of its own may not mount
                // cgroupfs: /sys/fs/cgroup stays empty there.
                if config.createsUserNamespace && sw_errno() == EPERM { return }
                throw InitFailure("mount \(target)")
            }
            try bindOwnCgroup(own[""], at: target, flags: flags)
            return
        }
        try check(kernel.mount("tmpfs", target, "tmpfs", UInt(MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev), "mode=755"), "mount \(target)")
        for controllers in config.cgroupV1Controllers {
            let dir = target + "/" + controllers
            try makeDirectory(dir)
            if kernel.mount("cgroup", dir, "cgroup", flags, controllers) < 0 {
                // A user namespace without a cgroup namespace of its own may not mount
                // cgroupfs: the tree stays empty there.
                if config.createsUserNamespace && sw_errno() == EPERM { continue }
                throw InitFailure("mount \(dir)")
            }
            try bindOwnCgroup(own[controllers], at: dir, flags: flags)
            // cpu,cpuacct is also reachable as cpu and cpuacct, as on the host.
            if controllers.contains(",") {
                for single in controllers.split(separator: ",") {
                    _ = kernel.symlink(controllers, target + "/" + single)
                }
            }
        }
        if readOnly {
            try check(kernel.mount(nil, target, nil, UInt(MountFlags.remount | MountFlags.readOnly | MountFlags.noSuid | MountFlags.noExec | MountFlags.noDev), "mode=755"),
                      "remount \(target) read-only")
        }
    }

    /// This process's cgroup per hierarchy, from /proc/self/cgroup: "memory" →
    /// "/k8s.io/abc", "cpu,cpuacct" → …, "" → the v2 path.
    func ownCgroupPaths() -> [String: String] {
        guard let bytes = kernel.readFile("/proc/self/cgroup") else { return [:] }
        var paths: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            paths[String(fields[1])] = String(fields[2])
        }
        return paths
    }

    /// Binds `<dir><path>` over `dir`, with the hierarchy mount's flags.
    private func bindOwnCgroup(_ path: String?, at dir: String, flags: UInt) throws {
        guard let path, path != "/", !path.isEmpty else { return }
        try check(kernel.mount(dir + path, dir, nil, UInt(MountFlags.bind), nil), "bind own cgroup on \(dir)")
        try check(kernel.mount(nil, dir, nil, UInt(MountFlags.bind | MountFlags.remount) | flags, nil), "remount own cgroup on \(dir)")
    }

    /// Volumes (`-v`), tmpfs mounts (`--tmpfs`) and the runtime's /etc files.
    func setUpMounts() throws {
        for (index, m) in config.mounts.enumerated() {
            var isFile = m.isFile
            if m.kind == .bind {
                if let type = kernel.fileType(fd: bindTrees[index]) { isFile = type != S_IFDIR }
            }
            if kernel.fileType(m.destination) != nil {
                // Present in the image: use it as it is. Opening it for writing would
                // copy it up into the container's upper dir.
            } else if isFile {
                try makeDirectory(FileIO.parentPath(m.destination))
                let fd = kernel.open(m.destination, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
                if fd < 0 && errno != EEXIST && errno != ELOOP { throw InitFailure("create mount point \(m.destination)") }
                if fd >= 0 { kernel.close(fd) }
            } else {
                try makeDirectory(m.destination)
            }
            switch m.kind {
            case .bind:
                try check(kernel.moveMount(bindTrees[index], to: m.destination), "mount \(m.source) on \(m.destination)")
                kernel.close(bindTrees[index])
                // Only an OCI caller reads the order back; docker's run path skips the work.
                if config.runtimeMode { try reattachInOrder(m.destination) }
                // nosuid/nodev/noexec (OCI bind options), and read-only where mount_setattr is missing.
                let extra = m.flags & (MountFlags.noSuid | MountFlags.noDev | MountFlags.noExec)
                if remountReadOnly.contains(m.destination) || extra != 0 {
                    let ro = m.flags & MountFlags.readOnly
                    let flags = MountFlags.bind | MountFlags.remount | ro | extra | lockedFlags(of: m.destination)
                    try check(kernel.mount(nil, m.destination, nil, UInt(flags), nil), "remount \(m.destination)")
                }
                if m.propagation != 0 {
                    try check(kernel.mount(nil, m.destination, nil, UInt(m.propagation), nil), "set propagation of \(m.destination)")
                }
            case .filesystem:
                try check(kernel.mount(m.source.isEmpty ? m.fsType : m.source, m.destination, m.fsType, UInt(m.flags), m.data), "mount \(m.fsType) on \(m.destination)")
            }
        }
    }

    /// Since Linux 6.8 mountinfo lists mounts by mount ID, given when a mount is made,
    /// and a tree cloned before pivot_root has an ID older than the mounts made since:
    /// it would read as mounted out of the spec's order. A fresh clone of it, put in
    /// its place, takes the next ID (mount flags come along).
    func reattachInOrder(_ path: String) throws {
        let fresh = kernel.openTreeClone(path, recursive: true)
        try check(fresh, "clone \(path)")
        defer { kernel.close(fresh) }
        try check(kernel.umount2(path, Int32(MNT_DETACH)), "detach \(path)")
        try check(kernel.moveMount(fresh, to: path), "attach \(path)")
    }

    /// The per-mount flags of the mount at `path` that a bind remount must repeat, or
    /// the kernel clears them (statvfs's ST_* bits equal MS_* for these three).
    func lockedFlags(of path: String) -> UInt64 {
        kernel.mountFlags(path) & (MountFlags.noSuid | MountFlags.noDev | MountFlags.noExec)
    }

    /// Docker's masked paths (hidden behind /dev/null or an empty read-only tmpfs) and
    /// read-only paths.
    func maskPaths() throws {
        for path in config.maskedPaths {
            guard let type = kernel.fileType(path) else { continue }
            if type == S_IFDIR {
                try check(kernel.mount("tmpfs", path, "tmpfs", UInt(MountFlags.readOnly), nil), "mask \(path)")
            } else {
                try check(kernel.mount("/dev/null", path, nil, UInt(MountFlags.bind), nil), "mask \(path)")
            }
        }
        for path in config.readonlyPaths {
            guard kernel.fileType(path) != nil else { continue }
            try check(kernel.mount(path, path, nil, UInt(MountFlags.bind | MountFlags.recursive), nil), "bind \(path)")
            try check(kernel.mount(nil, path, nil, UInt(MountFlags.bind | MountFlags.remount | MountFlags.readOnly | MountFlags.noSuid | MountFlags.noDev | MountFlags.noExec), nil),
                      "make \(path) read-only")
        }
    }

    /// `mkdir -p` inside the container's root (after pivot_root, so symlinks resolve
    /// within it).
    func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        try check(kernel.makeDirectories(path, mode: mode), "mkdir \(path)")
    }
}

/// The devices every container gets: name, major, minor.
let defaultDevices: [(name: String, major: UInt32, minor: UInt32)] = [
    ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
]
