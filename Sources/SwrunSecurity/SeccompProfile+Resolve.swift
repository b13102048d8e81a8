import SwrunOS

extension SeccompProfile {
    /// The profile as it applies to one container on this host, as docker writes it
    /// into an OCI spec: only the rules whose `includes`/`excludes` hold for these
    /// capabilities, this architecture and this kernel, and the architectures spelled
    /// out (the native one first) instead of an `archMap`.
    public func resolved(capabilities: CapabilitySet) throws -> SeccompProfile {
        let platform = HostPlatform.current
        var out = self
        out.syscalls = try syscalls.filter { try SeccompCompiler.applies($0, capabilities: capabilities, platform: platform) }
            .map { rule in
                var rule = rule
                rule.includes = Filter()
                rule.excludes = Filter()
                return rule
            }
        var names = [platform.seccompArch]
        for name in SeccompCompiler.architectures(of: self, native: platform.seccompArch) where !names.contains(name) {
            names.append(name)
        }
        out.architectures = try names.map { try Architecture($0) }
        out.archMap = []
        return out
    }
}
