import CSwrun
import Glibc
import SwrunOS

/// `InitSyscalls` on the running kernel: each call is the Glibc or CSwrun one.
package struct LinuxSyscalls: InitSyscalls {
    package init() {}

    package func mount(_ source: String?, _ target: String, _ fsType: String?, _ flags: UInt, _ data: String?) -> Int32 {
        Glibc.mount(source, target, fsType, flags, data)
    }
    package func umount2(_ target: String, _ flags: Int32) -> Int32 { Glibc.umount2(target, flags) }
    package func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32 { sw_pivot_root(newRoot, putOld) }
    package func openTreeClone(_ path: String, recursive: Bool) -> Int32 { sw_open_tree_clone(path, recursive ? 1 : 0) }
    package func makeTreeReadOnly(_ fd: Int32, recursive: Bool) -> Int32 { sw_mount_setattr_rdonly(fd, recursive ? 1 : 0) }
    package func moveMount(_ fd: Int32, to path: String) -> Int32 { sw_move_mount_to(fd, path) }
    package func fsopen(_ fsName: String, _ flags: UInt32) -> Int32 { sw_fsopen(fsName, flags) }
    package func fsconfigString(_ fd: Int32, _ key: String, _ value: String) -> Int32 { sw_fsconfig_string(fd, key, value) }
    package func fsconfigFlag(_ fd: Int32, _ key: String) -> Int32 { sw_fsconfig_flag(fd, key) }
    package func fsconfigCreate(_ fd: Int32) -> Int32 { sw_fsconfig_create(fd) }
    package func fsmount(_ fd: Int32, _ flags: UInt32, _ attributes: UInt32) -> Int32 { sw_fsmount(fd, flags, attributes) }

    package func chdir(_ path: String) -> Int32 { Glibc.chdir(path) }
    package func makeDirectories(_ path: String, mode: mode_t) -> Int32 {
        do {
            try FileIO.makeDirectories(path, mode: mode)
            return 0
        } catch let error as SwrunError {
            sw_set_errno(error.errno ?? EIO)
        } catch {
            sw_set_errno(EIO)
        }
        return -1
    }
    package func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
    package func close(_ fd: Int32) { _ = Glibc.close(fd) }
    package func symlink(_ target: String, _ path: String) -> Int32 { Glibc.symlink(target, path) }
    package func mknod(_ path: String, _ mode: mode_t, _ device: dev_t) -> Int32 { Glibc.mknod(path, mode, device) }
    package func chmod(_ path: String, _ mode: mode_t) -> Int32 { Glibc.chmod(path, mode) }
    package func chown(_ path: String, _ uid: uid_t, _ gid: gid_t) -> Int32 { Glibc.chown(path, uid, gid) }
    package func unlink(_ path: String) -> Int32 { Glibc.unlink(path) }
    package func fileType(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }
    package func fileType(fd: Int32) -> mode_t? {
        var st = stat()
        return fstat(fd, &st) == 0 ? st.st_mode & S_IFMT : nil
    }
    package func mountFlags(_ path: String) -> UInt64 {
        var info = statvfs()
        return statvfs(path, &info) == 0 ? UInt64(info.f_flag) : 0
    }
    package func readFile(_ path: String) -> [UInt8]? { try? FileIO.readFile(path) }
    package func writeExisting(_ path: String, _ text: String) throws { try FileIO.writeExisting(path, text) }
    package func write(_ fd: Int32, _ bytes: [UInt8]) -> Int { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }

    package func setns(_ fd: Int32, _ type: Int32) -> Int32 { sw_setns(fd, type) }
    package func unshare(_ flags: Int32) -> Int32 { sw_unshare(flags) }
    package func setsid() -> Int32 { Int32(Glibc.setsid()) }
    package func umask(_ mask: mode_t) { _ = Glibc.umask(mask) }
    package func sethostname(_ name: String) -> Int32 { Glibc.sethostname(name, name.utf8.count) }
    package func setdomainname(_ name: String) -> Int32 { Glibc.setdomainname(name, name.utf8.count) }
    package func setLoopbackUp() -> Int32 { sw_set_loopback_up() }
    package func setrlimit(_ resource: Int32, _ soft: UInt64, _ hard: UInt64) -> Int32 { sw_setrlimit(resource, soft, hard) }
    package func prctl(_ option: Int32, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt) -> Int32 { sw_prctl(option, a2, a3, a4, a5) }
    package func lastCapability() -> Int32 { sw_cap_last_cap() }
    package func dropBoundingCapability(_ cap: Int32) -> Int32 { sw_capbset_drop(cap) }
    package func setKeepCapabilities(_ on: Bool) -> Int32 { sw_set_keepcaps(on ? 1 : 0) }
    package func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) -> Int32 {
        sw_capset(effective, permitted, inheritable)
    }
    package func clearAmbientCapabilities() -> Int32 { sw_ambient_clear_all() }
    package func setNoNewPrivileges() -> Int32 { sw_set_no_new_privs() }
    package func setresuid(_ uid: uid_t) -> Int32 { sw_setresuid(uid, uid, uid) }
    package func setresgid(_ gid: gid_t) -> Int32 { sw_setresgid(gid, gid, gid) }
    package func setgroups(_ gids: [gid_t]) -> Int32 { Glibc.setgroups(gids.count, gids) }
    package func setgid(_ gid: gid_t) -> Int32 { Glibc.setgid(gid) }
    package func setuid(_ uid: uid_t) -> Int32 { Glibc.setuid(uid) }
    package func loadSeccomp(_ filter: [UInt8]) -> Int32 { filter.withUnsafeBytes { sw_seccomp_load($0.baseAddress, $0.count) } }
    package func markCloseOnExec(from first: UInt32) -> Int32 { sw_close_range(first, UInt32.max, SW_CLOSE_RANGE_CLOEXEC) }
}
