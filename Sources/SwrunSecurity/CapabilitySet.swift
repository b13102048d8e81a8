#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

/// A set of Linux capabilities as a bit mask: bit N is capability number N.
public struct CapabilitySet: Hashable, Sendable {
    public var mask: UInt64

    public init(mask: UInt64) {
        self.mask = mask
    }

    /// Docker's default set for a non-privileged container.
    public static let dockerDefault: CapabilitySet = {
        let names = [
            "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
            "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
        ]
        var set = CapabilitySet(mask: 0)
        for name in names {
            if let number = knownNames.firstIndex(of: "CAP_" + name) {
                set.insert(number)
            }
        }
        return set
    }()

    /// The capability names Linux defines, indexed by number (0 CAP_CHOWN … 40 CAP_CHECKPOINT_RESTORE).
    static let knownNames: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// The number of a capability named with or without its `CAP_` prefix, in any case.
    public static func number(forName name: String) throws -> Int {
        let upper = name.uppercased()
        let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        guard let number = knownNames.firstIndex(of: full) else {
            throw SwrunError(.invalidArgument, "unknown capability: \(name)")
        }
        return number
    }

    /// "CAP_CHOWN" for 0; a number this table does not know reads as "CAP_41".
    public static func name(forNumber number: Int) -> String {
        knownNames.indices.contains(number) ? knownNames[number] : "CAP_\(number)"
    }

    public func contains(_ number: Int) -> Bool {
        (0..<64).contains(number) && mask & (1 << UInt64(number)) != 0
    }

    public mutating func insert(_ number: Int) {
        guard (0..<64).contains(number) else { return }
        mask |= 1 << UInt64(number)
    }

    public mutating func remove(_ number: Int) {
        guard (0..<64).contains(number) else { return }
        mask &= ~(1 << UInt64(number))
    }

    /// The capability numbers in the set, ascending.
    public var numbers: [Int] {
        (0..<64).filter { contains($0) }
    }

    /// The names of the capabilities in the set, sorted ("CAP_CHOWN", "CAP_KILL", …).
    public var names: [String] {
        numbers.map(Self.name(forNumber:)).sorted()
    }
}
