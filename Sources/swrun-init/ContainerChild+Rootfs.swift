import CSwrun
import Glibc
import SwrunOS

extension ContainerChild {
    /// Mounts the overlay, clones bind sources while the host is still visible, then
    /// `pivot_root`s into the overlay and drops the host's tree.
    func setUpRootfs() throws {
        try check(mount(nil, "/", nil, UInt(MountFlags.recursive | MountFlags.privatePropagation), nil), "make / private")
        try mountOverlay()
        try refuseSymlink("proc")
        try refuseSymlink("sys")

        // Bind sources are host paths: open them now as detached trees; they are
        // attached inside the container's root after pivot_root.
        bindTrees = try config.mounts.map { m in
            guard m.kind == .bind else { return -1 }
            let fd = sw_open_tree_clone(m.source, 1)
            try check(fd, "open bind source \(m.source)")
            if m.flags & MountFlags.readOnly != 0 {
                try check(sw_mount_setattr_rdonly(fd, 1), "make \(m.destination) read-only")
            }
            return fd
        }

        try check(chdir(config.rootfs), "chdir rootfs")
        try check(sw_pivot_root(".", "."), "pivot_root")
        try check(umount2(".", Int32(MNT_DETACH)), "detach old root")
        try check(chdir("/"), "chdir /")
    }

    /// overlay with lowerdir+ (no option-length limit for images of many layers); falls
    /// back to mount(2) on kernels without the new mount API or lowerdir+.
    private func mountOverlay() throws {
        let fsfd = sw_fsopen("overlay", 1 /* FSOPEN_CLOEXEC */)
        if fsfd >= 0 {
            defer { close(fsfd) }
            var ok = true
            for dir in config.lowerDirs where sw_fsconfig_string(fsfd, "lowerdir+", dir) < 0 {
                ok = false
                break
            }
            if ok {
                try check(sw_fsconfig_string(fsfd, "upperdir", config.upperDir), "overlay upperdir")
                try check(sw_fsconfig_string(fsfd, "workdir", config.workDir), "overlay workdir")
                try check(sw_fsconfig_create(fsfd), "overlay create")
                let mfd = sw_fsmount(fsfd, 1 /* FSMOUNT_CLOEXEC */, 0)
                try check(mfd, "overlay fsmount")
                defer { close(mfd) }
                try check(sw_move_mount_to(mfd, config.rootfs), "overlay move_mount")
                return
            }
        }
        let data = "lowerdir=\(config.lowerDirs.joined(separator: ":")),upperdir=\(config.upperDir),workdir=\(config.workDir)"
        try check(mount("overlay", config.rootfs, "overlay", 0, data), "mount overlay")
    }

    private func refuseSymlink(_ name: String) throws {
        var st = stat()
        if lstat(config.rootfs + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            throw InitFailure("rootfs", errno: EINVAL, message: "rootfs: /\(name) is a symlink, refusing to mount over it")
        }
    }
}
