import CSwrun
import Glibc
import SwrunOS

extension ContainerChild {
    /// Mounts the overlay, clones bind sources while the host is still visible, then
    /// `pivot_root`s into the overlay and drops the host's tree.
    func setUpRootfs() throws {
        try check(kernel.mount(nil, "/", nil, UInt(MountFlags.recursive | MountFlags.privatePropagation), nil), "make / private")
        if config.lowerDirs.isEmpty {
            // An OCI bundle's plain directory: bound onto itself so it is a mount to pivot into.
            try check(kernel.mount(config.rootfs, config.rootfs, nil, UInt(MountFlags.bind | MountFlags.recursive), nil), "bind rootfs \(config.rootfs)")
        } else {
            try mountOverlay()
        }
        try refuseSymlink("proc")
        try refuseSymlink("sys")

        // Bind sources are host paths: open them now as detached trees; they are
        // attached inside the container's root after pivot_root.
        bindTrees = try config.mounts.map { m in
            guard m.kind == .bind else { return -1 }
            let fd = kernel.openTreeClone(m.source, recursive: true)
            try check(fd, "open bind source \(m.source)", facility: "open_tree", since: "5.2")
            if m.flags & MountFlags.readOnly != 0 && kernel.makeTreeReadOnly(fd, recursive: true) < 0 {
                // Before Linux 5.12 (no mount_setattr) the mount is made read-only
                // by a remount once attached: its own mount only, not submounts.
                guard sw_errno() == ENOSYS else { throw InitFailure("make \(m.destination) read-only") }
                remountReadOnly.insert(m.destination)
            }
            return fd
        }

        if config.createsUserNamespace {
            try mountProcAndSysEarly()
            for path in defaultDevices.map({ "/dev/" + $0.name }) + config.devices.map(\.path) where deviceTrees[path] == nil {
                let fd = kernel.openTreeClone(path, recursive: false)
                if fd >= 0 { deviceTrees[path] = fd }
            }
        }
        if !config.execFifo.isEmpty {
            execFifoFD = kernel.open(config.execFifo, SW_O_PATH | O_CLOEXEC, 0)
            try check(execFifoFD, "open exec fifo \(config.execFifo)")
        }

        // Runtime mode: the runtime's createRuntime and createContainer hooks run now,
        // while the host is still visible in this mount namespace (a hook entering it
        // finds its binary and libraries, as with runc).
        if config.runtimeMode { try awaitCgroupJoin() }

        try check(kernel.chdir(config.rootfs), "chdir rootfs")
        try check(kernel.pivotRoot(".", "."), "pivot_root")
        try check(kernel.umount2(".", Int32(MNT_DETACH)), "detach old root")
        try check(kernel.chdir("/"), "chdir /")
        if config.rootfsPropagation != 0 {
            try check(kernel.mount(nil, "/", nil, UInt(MountFlags.recursive | config.rootfsPropagation), nil), "set rootfs propagation")
        }
    }

    /// overlay with lowerdir+ (Linux 6.8: no option-length limit for images of many
    /// layers). Older kernels refuse the key, at fsconfig or only at create (legacy
    /// overlay before 6.5); then one mount(2) with a short option string.
    private func mountOverlay() throws {
        // An auto-removed container's upper dir never outlives it, so overlay need not
        // sync it: `volatile` (Linux 5.10; podman does the same for --rm) skips the
        // syncfs of the whole upper file system that unmounting an overlay does when
        // the container's last process exits. Kernels without it refuse the key, and
        // the mount goes on without it.
        let fsfd = kernel.fsopen("overlay", 1 /* FSOPEN_CLOEXEC */)
        if fsfd >= 0 {
            defer { kernel.close(fsfd) }
            if config.lowerDirs.allSatisfy({ kernel.fsconfigString(fsfd, "lowerdir+", $0) == 0 })
                && kernel.fsconfigString(fsfd, "upperdir", config.upperDir) == 0
                && kernel.fsconfigString(fsfd, "workdir", config.workDir) == 0
                && (!volatileUpper || kernel.fsconfigFlag(fsfd, "volatile") == 0 || errno == EINVAL)
                && kernel.fsconfigCreate(fsfd) == 0 {
                let mfd = kernel.fsmount(fsfd, 1 /* FSMOUNT_CLOEXEC */, 0)
                try check(mfd, "overlay fsmount")
                defer { kernel.close(mfd) }
                try check(kernel.moveMount(mfd, to: config.rootfs), "overlay move_mount")
                return
            }
        }
        try mountOverlayLegacy()
    }

    /// mount(2) takes at most one page of options, which 120 layer paths of a store
    /// overflow. Each layer is opened, and the option names it by fd number relative to
    /// /proc/self/fd ("lowerdir=5:6:7…"): about 4 bytes a layer, so overlay's own
    /// limit of 500 layers fits in one page.
    private var volatileUpper: Bool { !config.autoRemoveDirectory.isEmpty }

    private func mountOverlayLegacy() throws {
        var fds: [Int32] = []
        defer { for fd in fds { kernel.close(fd) } }
        for dir in [config.upperDir, config.workDir] + config.lowerDirs {
            let fd = kernel.open(dir, SW_O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
            try check(fd, "open overlay directory \(dir)")
            fds.append(fd)
        }
        let lowers = fds.dropFirst(2).map(String.init).joined(separator: ":")
        let data = "lowerdir=\(lowers),upperdir=\(fds[0]),workdir=\(fds[1])"
        try check(kernel.chdir("/proc/self/fd"), "chdir /proc/self/fd")
        try check(kernel.mount("none", config.rootfs, "overlay", 0, data), "mount overlay (\(config.lowerDirs.count) layers)")
    }

    private func refuseSymlink(_ name: String) throws {
        if kernel.fileType(config.rootfs + "/" + name) == S_IFLNK {
            throw InitFailure("rootfs", errno: EINVAL, message: "rootfs: /\(name) is a symlink, refusing to mount over it")
        }
    }
}
