#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// A kernel release reduced to what seccomp profiles compare: major and minor.
public struct KernelVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Reads "4.8", "6.18.0-1-amd64" or "5.10.0+": digits before the first non-digit of each part.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let major = Int(parts[0]),
              let minor = Int(String(parts[1].prefix { $0.isNumber }))
        else { return nil }
        self.init(major: major, minor: minor)
    }

    public static func < (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }
}

/// Facts about the machine swrun runs on that decide which profile rules apply.
struct HostPlatform: Sendable, Hashable {
    /// libseccomp's name for the native architecture ("x86_64").
    var seccompArch: String
    /// Go's name for it ("amd64"), which Docker profiles use in `includes.arches`.
    var goArch: String
    var kernel: KernelVersion
    /// The full `uname -r` text, part of the filter cache key.
    var kernelRelease: String

    static let current: HostPlatform = {
        let release = HostSystem.release
        return HostPlatform(
            seccompArch: seccompArch(forMachine: HostSystem.machine), goArch: HostSystem.goArch,
            kernel: KernelVersion(release) ?? KernelVersion(major: 0, minor: 0), kernelRelease: release)
    }()

    static func seccompArch(forMachine machine: String) -> String {
        switch machine {
        case "i386", "i486", "i586", "i686": return "x86"
        case "armv6l", "armv7l", "armv8l": return "arm"
        case "arm64": return "aarch64"
        default: return machine
        }
    }
}
