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
