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
}
