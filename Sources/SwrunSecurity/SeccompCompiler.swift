#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import SwrunOS

/// Turns a Docker-format seccomp profile into the raw BPF program the container child
/// loads with `seccomp(SECCOMP_SET_MODE_FILTER)`. Nothing is loaded in the calling process.
public enum SeccompCompiler {
    /// Raw `struct sock_filter` array (8 bytes each) for `seccomp(SECCOMP_SET_MODE_FILTER)`.
    public static func compile(_ profile: SeccompProfile, capabilities: CapabilitySet) throws -> [UInt8] {
        try compile(profile, capabilities: capabilities, platform: .current)
    }

    static func compile(_ profile: SeccompProfile, capabilities: CapabilitySet, platform: HostPlatform) throws -> [UInt8] {
        let defaultAction = actionValue(profile.defaultAction, errnoRet: profile.defaultErrnoRet)
        guard let ctx = seccomp_init(defaultAction) else {
            throw SwrunError(.system, "seccomp_init: cannot create a filter")
        }
        defer { seccomp_release(ctx) }

        // The runtime sets no_new_privs itself, before loading the raw program.
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set NNP")
        for arch in architectures(of: profile, native: platform.seccompArch) {
            try addArchitecture(arch, to: ctx)
        }
        for rule in profile.syscalls where try applies(rule, capabilities: capabilities, platform: platform) {
            let action = actionValue(rule.action, errnoRet: rule.errnoRet)
            // libseccomp refuses rules that repeat the default action; they change nothing.
            if action == defaultAction { continue }
            for name in rule.names {
                try addRule(name: name, action: action, args: rule.args, to: ctx)
            }
        }
        return try exportBPF(ctx)
    }

    /// The `SCMP_ACT_*` value; ERRNO and TRACE carry `errnoRet`, EPERM when unset (as Docker does).
    static func actionValue(_ action: SeccompProfile.Action, errnoRet: UInt32?) -> UInt32 {
        let data = (errnoRet ?? UInt32(EPERM)) & 0xffff
        switch action {
        case .kill, .killThread: return 0x0000_0000
        case .killProcess: return 0x8000_0000
        case .trap: return 0x0003_0000
        case .errno: return 0x0005_0000 | data
        case .trace: return 0x7ff0_0000 | data
        case .log: return 0x7ffc_0000
        case .allow: return 0x7fff_0000
        }
    }

    /// The architectures the filter covers besides the native one: the flat
    /// `architectures` list, or the `archMap` entry of the native architecture.
    static func architectures(of profile: SeccompProfile, native: String) -> [String] {
        let names: [String]
        if !profile.architectures.isEmpty {
            names = profile.architectures.map(\.libseccompName)
        } else {
            names = profile.archMap
                .filter { $0.architecture.libseccompName == native }
                .flatMap { [$0.architecture.libseccompName] + $0.subArchitectures.map(\.libseccompName) }
        }
        var seen: Set<String> = [native]
        return names.filter { seen.insert($0).inserted }
    }

    private static func addArchitecture(_ name: String, to ctx: scmp_filter_ctx) throws {
        let token = seccomp_arch_resolve_name(name)
        guard token != 0 else {
            throw SwrunError(.unsupported, "seccomp: architecture \(name) is unknown to libseccomp")
        }
        let rc = seccomp_arch_add(ctx, token)
        if rc == -EEXIST { return }
        try check(rc, "seccomp_arch_add \(name)")
    }

    /// Docker's rule selection: every `includes.caps` held, the native architecture in
    /// `includes.arches`, the kernel at least `includes.minKernel`; no `excludes.caps`
    /// held and the native architecture not in `excludes.arches`.
    static func applies(_ rule: SeccompProfile.SyscallRule, capabilities: CapabilitySet, platform: HostPlatform) throws -> Bool {
        func holds(_ name: String) -> Bool {
            // A capability this table does not know cannot be held.
            (try? CapabilitySet.number(forName: name)).map(capabilities.contains) ?? false
        }
        func isNative(_ arch: String) -> Bool {
            arch == platform.goArch || arch == platform.seccompArch
        }
        if rule.excludes.minKernel != nil {
            throw SwrunError(.unsupported, "seccomp profile: excludes.minKernel is not supported")
        }
        if !rule.includes.caps.allSatisfy(holds) { return false }
        if !rule.includes.arches.isEmpty && !rule.includes.arches.contains(where: isNative) { return false }
        if let minKernel = rule.includes.minKernel, platform.kernel < minKernel { return false }
        if rule.excludes.caps.contains(where: holds) { return false }
        if rule.excludes.arches.contains(where: isNative) { return false }
        return true
    }

    private static func addRule(
        name: String, action: UInt32, args: [SeccompProfile.ArgCondition], to ctx: scmp_filter_ctx
    ) throws {
        let number = seccomp_syscall_resolve_name(name)
        // Names this libseccomp does not know are skipped, as Docker skips them.
        if number == __NR_SCMP_ERROR { return }

        let conditions = args.map {
            scmp_arg_cmp(arg: $0.index, op: compareOperator($0.op), datum_a: $0.value, datum_b: $0.valueTwo)
        }
        // Several conditions on one argument can never hold together; Docker reads them
        // as alternatives and adds one rule each. Otherwise all must hold.
        let indices = Set(args.map(\.index))
        let groups = indices.count < args.count ? conditions.map { [$0] } : [conditions]
        for group in groups {
            let rc = group.withUnsafeBufferPointer {
                seccomp_rule_add_array(ctx, action, number, UInt32($0.count), $0.baseAddress)
            }
            try check(rc, "seccomp rule for \(name)")
        }
    }

    private static func compareOperator(_ op: SeccompProfile.Operator) -> scmp_compare {
        switch op {
        case .notEqual: return SCMP_CMP_NE
        case .lessThan: return SCMP_CMP_LT
        case .lessOrEqual: return SCMP_CMP_LE
        case .equal: return SCMP_CMP_EQ
        case .greaterOrEqual: return SCMP_CMP_GE
        case .greaterThan: return SCMP_CMP_GT
        case .maskedEqual: return SCMP_CMP_MASKED_EQ
        }
    }

    /// libseccomp 2.5 exports only to a file descriptor: an unlinked temporary file,
    /// since a pipe would block once the program outgrows the pipe buffer.
    private static func exportBPF(_ ctx: scmp_filter_ctx) throws -> [UInt8] {
        guard let file = tmpfile() else { throw SwrunError.system("seccomp export: tmpfile") }
        defer { fclose(file) }
        let fd = fileno(file)
        try check(seccomp_export_bpf(ctx, fd), "seccomp_export_bpf")
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw SwrunError.system("seccomp export: lseek") }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress.map { $0 + done }, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SwrunError.system("seccomp export: read") }
            done += n
        }
        guard !bytes.isEmpty, bytes.count % 8 == 0 else {
            throw SwrunError(.internalError, "seccomp export: \(bytes.count) bytes is not a BPF program")
        }
        return bytes
    }

    private static func check(_ rc: Int32, _ step: String) throws {
        if rc < 0 { throw SwrunError.system(step, errno: -rc) }
    }
}
