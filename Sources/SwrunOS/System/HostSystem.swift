#if canImport(Glibc)
import Glibc
#endif

/// The machine swrun runs on: what `uname(2)` tells (read once per process), and the
/// environment.
public enum HostSystem {
    /// The environment variable `name`, without ProcessInfo's copy of the whole
    /// environment (a dictionary built on first use, on the start path).
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// `uname -m`: "x86_64", "aarch64".
    public static let machine = field(\.machine)
    /// `uname -r`, the kernel release containers share.
    public static let release = field(\.release)
    /// The machine in Go's GOARCH spelling ("amd64", "arm64"), as image configs,
    /// platform choices and docker's seccomp profiles name it.
    public static var goArch: String { goArch(forMachine: machine) }

    /// GOARCH for a `uname -m` (or libseccomp) machine name.
    public static func goArch(forMachine machine: String) -> String {
        switch machine {
        case "x86_64": return "amd64"
        case "i386", "i486", "i586", "i686", "x86": return "386"
        case "aarch64", "arm64": return "arm64"
        case "mips64el", "mipsel64": return "mips64le"
        case "mipsel": return "mipsle"
        case let arm where arm.hasPrefix("armv"): return "arm"
        default: return machine
        }
    }

    private static func field<Field>(_ path: KeyPath<utsname, Field>) -> String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: names[keyPath: path]) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
