import SwrunOCI
import SwrunSecurity

extension RuntimeSpec.Seccomp {
    /// The OCI form of a resolved Docker profile (`SeccompProfile.resolved`).
    init(_ profile: SeccompProfile) {
        self.init(
            defaultAction: profile.defaultAction.rawValue,
            defaultErrnoRet: profile.defaultErrnoRet.map(UInt.init),
            architectures: profile.architectures.map { "SCMP_ARCH_" + $0.libseccompName.uppercased() },
            syscalls: profile.syscalls.map { rule in
                RuntimeSpec.Seccomp.Syscall(
                    names: rule.names, action: rule.action.rawValue, errnoRet: rule.errnoRet.map(UInt.init),
                    args: rule.args.isEmpty ? nil : rule.args.map { arg in
                        RuntimeSpec.Seccomp.Arg(index: UInt(arg.index), value: arg.value,
                                                valueTwo: arg.valueTwo == 0 ? nil : arg.valueTwo, op: arg.op.rawValue)
                    })
            })
    }
}

extension RuntimeSpec.Seccomp {
    /// Everything the compiled filter depends on, in a fixed binary layout: the key of
    /// the filter cache, made without encoding the object's ~7 KB of JSON at every start.
    /// Strings are length-prefixed and every optional and list carries its own marker,
    /// so no two objects share a serialization; members this version does not know
    /// (`extra`) go in as their JSON.
    func filterKeyMaterial() throws -> [UInt8] {
        var out: [UInt8] = Array("oci-seccomp-1".utf8) + [0]
        func put(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        func put(_ text: String) {
            put(UInt64(text.utf8.count))
            out += text.utf8
        }
        func put(_ text: String?) {
            put(UInt64(text == nil ? 0 : 1))
            if let text { put(text) }
        }
        func put(_ number: UInt?) {
            put(UInt64(number == nil ? 0 : 1))
            if let number { put(UInt64(number)) }
        }
        func put(_ list: [String]?) {
            put(UInt64(list.map { $0.count + 1 } ?? 0))
            list?.forEach { put($0) }
        }
        func put(_ extra: [String: JSONAny]) throws {
            put(UInt64(extra.isEmpty ? 0 : 1))
            if !extra.isEmpty { put(String(decoding: try OCIJSON.encode(extra), as: UTF8.self)) }
        }
        put(defaultAction)
        put(defaultErrnoRet)
        put(architectures)
        put(flags)
        put(listenerPath)
        put(listenerMetadata)
        try put(extra)
        put(UInt64(syscalls.map { $0.count + 1 } ?? 0))
        for rule in syscalls ?? [] {
            put(rule.names)
            put(rule.action)
            put(rule.errnoRet)
            put(UInt64(rule.args.map { $0.count + 1 } ?? 0))
            for arg in rule.args ?? [] {
                put(UInt64(arg.index))
                put(arg.value)
                put(UInt64(arg.valueTwo == nil ? 0 : 1))
                put(arg.valueTwo ?? 0)
                put(arg.op)
                try put(arg.extra)
            }
            try put(rule.extra)
        }
        return out
    }
}
