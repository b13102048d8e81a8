import Glibc

/// The system calls the container's setup steps make, behind one protocol so that the
/// steps run against the kernel in swrun-init (`LinuxSyscalls`) and against a recorder
/// in unit tests, which check their order without root (youki's syscall layer).
/// Each returns what the C call does: a negative value with errno set on failure.
/// `ContainerChild` takes it as a generic parameter, specialised for the real one:
/// no existential, no dynamic dispatch on the start path.
package protocol InitSyscalls {
    // Mounts.
    func mount(_ source: String?, _ target: String, _ fsType: String?, _ flags: UInt, _ data: String?) -> Int32
    func umount2(_ target: String, _ flags: Int32) -> Int32
    func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32
    /// `open_tree(OPEN_TREE_CLONE)`: a detached copy of the mount at `path`.
    func openTreeClone(_ path: String, recursive: Bool) -> Int32
    /// `mount_setattr(MOUNT_ATTR_RDONLY)` on a detached tree.
    func makeTreeReadOnly(_ fd: Int32, recursive: Bool) -> Int32
    func moveMount(_ fd: Int32, to path: String) -> Int32
    func fsopen(_ fsName: String, _ flags: UInt32) -> Int32
    func fsconfigString(_ fd: Int32, _ key: String, _ value: String) -> Int32
    func fsconfigFlag(_ fd: Int32, _ key: String) -> Int32
    func fsconfigCreate(_ fd: Int32) -> Int32
    func fsmount(_ fd: Int32, _ flags: UInt32, _ attributes: UInt32) -> Int32

    // Files.
    func chdir(_ path: String) -> Int32
    /// `mkdir -p`.
    func makeDirectories(_ path: String, mode: mode_t) -> Int32
    func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
    func close(_ fd: Int32)
    func symlink(_ target: String, _ path: String) -> Int32
    func mknod(_ path: String, _ mode: mode_t, _ device: dev_t) -> Int32
    func chmod(_ path: String, _ mode: mode_t) -> Int32
    func chown(_ path: String, _ uid: uid_t, _ gid: gid_t) -> Int32
    func unlink(_ path: String) -> Int32
    /// `lstat`'s file type (`S_IFMT` bits), nil when nothing is at `path`.
    func fileType(_ path: String) -> mode_t?
    /// `fstat`'s file type, nil when `fd` cannot be examined.
    func fileType(fd: Int32) -> mode_t?
    /// `statvfs`'s `f_flag` (its `ST_*` bits equal `MS_*`), 0 when unknown.
    func mountFlags(_ path: String) -> UInt64
    func readFile(_ path: String) -> [UInt8]?
    /// Writes a file that must exist (a sysctl, /proc/self/oom_score_adj).
    func writeExisting(_ path: String, _ text: String) throws
    func write(_ fd: Int32, _ bytes: [UInt8]) -> Int

    // The process.
    func setns(_ fd: Int32, _ type: Int32) -> Int32
    func unshare(_ flags: Int32) -> Int32
    func setsid() -> Int32
    func umask(_ mask: mode_t)
    func sethostname(_ name: String) -> Int32
    func setdomainname(_ name: String) -> Int32
    func setLoopbackUp() -> Int32
    func setrlimit(_ resource: Int32, _ soft: UInt64, _ hard: UInt64) -> Int32
    func prctl(_ option: Int32, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt) -> Int32
    func lastCapability() -> Int32
    func dropBoundingCapability(_ cap: Int32) -> Int32
    func setKeepCapabilities(_ on: Bool) -> Int32
    func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) -> Int32
    func clearAmbientCapabilities() -> Int32
    func setNoNewPrivileges() -> Int32
    func setresuid(_ uid: uid_t) -> Int32
    func setresgid(_ gid: gid_t) -> Int32
    func setgroups(_ gids: [gid_t]) -> Int32
    func setgid(_ gid: gid_t) -> Int32
    func setuid(_ uid: uid_t) -> Int32
    func loadSeccomp(_ filter: [UInt8]) -> Int32
    /// `close_range(first, ~0, CLOSE_RANGE_CLOEXEC)`.
    func markCloseOnExec(from first: UInt32) -> Int32
}
