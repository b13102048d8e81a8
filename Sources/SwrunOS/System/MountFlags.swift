/// `mount(2)` flags, spelled out because glibc declares them as an anonymous enum.
public enum MountFlags {
    public static let readOnly: UInt64 = 1
    public static let noSuid: UInt64 = 2
    public static let noDev: UInt64 = 4
    public static let noExec: UInt64 = 8
    public static let remount: UInt64 = 32
    public static let bind: UInt64 = 4096
    public static let recursive: UInt64 = 16384
    public static let privatePropagation: UInt64 = 1 << 18
    public static let slave: UInt64 = 1 << 19
    public static let strictAtime: UInt64 = 1 << 24
    public static let synchronous: UInt64 = 16
    public static let mandLock: UInt64 = 64
    public static let dirSync: UInt64 = 128
    public static let noAtime: UInt64 = 1024
    public static let noDirAtime: UInt64 = 2048
    public static let unbindable: UInt64 = 1 << 17
    public static let shared: UInt64 = 1 << 20
    public static let relAtime: UInt64 = 1 << 21

    /// A mount's options as the OCI spec and fstab spell them ("ro", "nosuid",
    /// "rbind", "rshared", "size=64m"): flags to set, propagation to apply after, and the
    /// rest as the filesystem's data string.
    public static func parse(options: [String]) -> (flags: UInt64, propagation: UInt64, data: String) {
        var flags: UInt64 = 0
        var propagation: UInt64 = 0
        var data: [String] = []
        for option in options {
            switch option {
            case "ro": flags |= readOnly
            case "rw": flags &= ~readOnly
            case "nosuid": flags |= noSuid
            case "suid": flags &= ~noSuid
            case "nodev": flags |= noDev
            case "dev": flags &= ~noDev
            case "noexec": flags |= noExec
            case "exec": flags &= ~noExec
            case "sync": flags |= synchronous
            case "async": flags &= ~synchronous
            case "dirsync": flags |= dirSync
            case "mand": flags |= mandLock
            case "nomand": flags &= ~mandLock
            case "noatime": flags |= noAtime
            case "atime": flags &= ~noAtime
            case "nodiratime": flags |= noDirAtime
            case "diratime": flags &= ~noDirAtime
            case "relatime": flags |= relAtime
            case "norelatime": flags &= ~relAtime
            case "strictatime": flags |= strictAtime
            case "nostrictatime": flags &= ~strictAtime
            case "bind": flags |= bind
            case "rbind": flags |= bind | recursive
            case "private": propagation = privatePropagation
            case "rprivate": propagation = privatePropagation | recursive
            case "shared": propagation = shared
            case "rshared": propagation = shared | recursive
            case "slave": propagation = slave
            case "rslave": propagation = slave | recursive
            case "unbindable": propagation = unbindable
            case "runbindable": propagation = unbindable | recursive
            case "defaults", "": break
            default: data.append(option)
            }
        }
        return (flags, propagation, data.joined(separator: ","))
    }
}
