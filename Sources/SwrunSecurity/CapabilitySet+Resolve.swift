#if canImport(Glibc)
import Glibc
#endif
import SwrunOS

extension CapabilitySet {
    /// Every capability the running kernel knows: 0 through `/proc/sys/kernel/cap_last_cap`.
    /// When that file cannot be read, the capabilities swrun's table names.
    public static func all() -> CapabilitySet {
        let last = readCapLastCap() ?? (knownNames.count - 1)
        let bits = min(max(last, 0), 63)
        let mask: UInt64 = bits == 63 ? .max : (1 << UInt64(bits + 1)) - 1
        return CapabilitySet(mask: mask)
    }

    private static func readCapLastCap() -> Int? {
        let fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return Int(String(text.prefix { $0.isNumber }))
    }

    /// The capabilities of a container, as docker computes them (moby's `TweakCapabilities`):
    /// - privileged: every capability; `add` and `drop` are ignored, as docker ignores them;
    /// - `add` holds ALL: every capability except those in `drop`;
    /// - `drop` holds ALL: exactly the capabilities in `add`;
    /// - otherwise: `dockerDefault` minus `drop`, plus `add` (a name in both ends up present).
    /// Names are accepted with or without `CAP_`, in any case; an unknown name throws even
    /// when privileged, so a typo never passes silently.
    public static func resolve(privileged: Bool, add: [String], drop: [String]) throws -> CapabilitySet {
        let added = try parseList(add)
        let dropped = try parseList(drop)
        if privileged {
            return all()
        }
        if added.isAll {
            return CapabilitySet(mask: all().mask & ~dropped.set.mask)
        }
        if dropped.isAll {
            return added.set
        }
        return CapabilitySet(mask: (dockerDefault.mask & ~dropped.set.mask) | added.set.mask)
    }

    private static func parseList(_ names: [String]) throws -> (set: CapabilitySet, isAll: Bool) {
        var set = CapabilitySet(mask: 0)
        var isAll = false
        for name in names {
            if name.uppercased() == "ALL" {
                isAll = true
            } else {
                set.insert(try number(forName: name))
            }
        }
        return (set, isAll)
    }
}
