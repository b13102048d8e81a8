import Glibc
import SwrunInitCore
import SwrunOS

/// `InitSyscalls` that changes nothing: it records each call as a line ("mount proc
/// /proc proc", "pivot_root . .") and answers from what the test says exists, so the
/// setup steps run without root and their order can be checked.
final class RecordingSyscalls: InitSyscalls {
    private(set) var calls: [String] = []
    /// File types by path, for `lstat`; anything else does not exist.
    var files: [String: mode_t] = [:]
    /// Calls (by name) that fail, with this errno.
    var failing: [String: Int32] = [:]
    private var nextFD: Int32 = 1000

    private func record(_ name: String, _ detail: String) -> Int32 {
        calls.append(detail.isEmpty ? name : name + " " + detail)
        if let err = failing[name] {
            errno = err
            return -1
        }
        return 0
    }

    private func recordFD(_ name: String, _ detail: String) -> Int32 {
        guard record(name, detail) == 0 else { return -1 }
        nextFD += 1
        return nextFD
    }

    /// MS_* flags by name, in a fixed order.
    static func flagNames(_ flags: UInt) -> String {
        let names: [(UInt64, String)] = [
            (MountFlags.bind, "bind"), (MountFlags.remount, "remount"), (MountFlags.recursive, "rec"),
            (MountFlags.privatePropagation, "private"), (MountFlags.readOnly, "ro"),
        ]
        return names.filter { UInt64(flags) & $0.0 != 0 }.map(\.1).joined(separator: ",")
    }

    func mount(_ source: String?, _ target: String, _ fsType: String?, _ flags: UInt, _ data: String?) -> Int32 {
        record("mount", [source ?? "-", target, fsType ?? "-", Self.flagNames(flags)].joined(separator: " "))
    }
    func umount2(_ target: String, _ flags: Int32) -> Int32 {
        record("umount2", target + (flags & Int32(MNT_DETACH) != 0 ? " detach" : ""))
    }
    func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32 { record("pivot_root", "\(newRoot) \(putOld)") }
    func openTreeClone(_ path: String, recursive: Bool) -> Int32 { recordFD("open_tree", path) }
    func makeTreeReadOnly(_ fd: Int32, recursive: Bool) -> Int32 { record("mount_setattr", "\(fd) ro") }
    func moveMount(_ fd: Int32, to path: String) -> Int32 { record("move_mount", "\(fd) \(path)") }
    func fsopen(_ fsName: String, _ flags: UInt32) -> Int32 { recordFD("fsopen", fsName) }
    func fsconfigString(_ fd: Int32, _ key: String, _ value: String) -> Int32 { record("fsconfig", "\(key)=\(value)") }
    func fsconfigFlag(_ fd: Int32, _ key: String) -> Int32 { record("fsconfig", key) }
    func fsconfigCreate(_ fd: Int32) -> Int32 { record("fsconfig", "create") }
    func fsmount(_ fd: Int32, _ flags: UInt32, _ attributes: UInt32) -> Int32 { recordFD("fsmount", "") }

    func chdir(_ path: String) -> Int32 { record("chdir", path) }
    func makeDirectories(_ path: String, mode: mode_t) -> Int32 { record("mkdir", path) }
    func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { recordFD("open", path) }
    func close(_ fd: Int32) { calls.append("close \(fd)") }
    func symlink(_ target: String, _ path: String) -> Int32 { record("symlink", "\(path) -> \(target)") }
    func mknod(_ path: String, _ mode: mode_t, _ device: dev_t) -> Int32 { record("mknod", path) }
    func chmod(_ path: String, _ mode: mode_t) -> Int32 { record("chmod", path) }
    func chown(_ path: String, _ uid: uid_t, _ gid: gid_t) -> Int32 { record("chown", path) }
    func unlink(_ path: String) -> Int32 { record("unlink", path) }
    func fileType(_ path: String) -> mode_t? { files[path] }
    func fileType(fd: Int32) -> mode_t? { S_IFDIR }
    func mountFlags(_ path: String) -> UInt64 { 0 }
    func readFile(_ path: String) -> [UInt8]? { nil }
    func writeExisting(_ path: String, _ text: String) throws { _ = record("write", "\(path) \(text)") }
    func write(_ fd: Int32, _ bytes: [UInt8]) -> Int { record("write", "fd \(fd)") == 0 ? bytes.count : -1 }

    func setns(_ fd: Int32, _ type: Int32) -> Int32 { record("setns", "\(fd)") }
    func unshare(_ flags: Int32) -> Int32 { record("unshare", "\(flags)") }
    func setsid() -> Int32 { record("setsid", "") }
    func umask(_ mask: mode_t) { calls.append("umask \(String(mask, radix: 8))") }
    func sethostname(_ name: String) -> Int32 { record("sethostname", name) }
    func setdomainname(_ name: String) -> Int32 { record("setdomainname", name) }
    func setLoopbackUp() -> Int32 { record("lo up", "") }
    func setrlimit(_ resource: Int32, _ soft: UInt64, _ hard: UInt64) -> Int32 { record("setrlimit", "\(resource)") }
    func prctl(_ option: Int32, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt) -> Int32 { record("prctl", "\(option) \(a2)") }
    func lastCapability() -> Int32 { 40 }
    func dropBoundingCapability(_ cap: Int32) -> Int32 { record("capbset_drop", "\(cap)") }
    func setKeepCapabilities(_ on: Bool) -> Int32 { record("keepcaps", on ? "1" : "0") }
    func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) -> Int32 { record("capset", "") }
    func clearAmbientCapabilities() -> Int32 { record("ambient clear", "") }
    func setNoNewPrivileges() -> Int32 { record("no_new_privs", "") }
    func setresuid(_ uid: uid_t) -> Int32 { record("setresuid", "\(uid)") }
    func setresgid(_ gid: gid_t) -> Int32 { record("setresgid", "\(gid)") }
    func setgroups(_ gids: [gid_t]) -> Int32 { record("setgroups", gids.map(String.init).joined(separator: ",")) }
    func setgid(_ gid: gid_t) -> Int32 { record("setgid", "\(gid)") }
    func setuid(_ uid: uid_t) -> Int32 { record("setuid", "\(uid)") }
    func loadSeccomp(_ filter: [UInt8]) -> Int32 { record("seccomp", "\(filter.count)") }
    func markCloseOnExec(from first: UInt32) -> Int32 { record("close_range", "\(first)") }
}
