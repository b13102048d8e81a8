import SwrunOCI
import SwrunRuntime
import SwrunSecurity

/// `features`: what this runtime implements, in the runtime-spec's features.md shape.
struct Features: Encodable {
    struct Linux: Encodable {
        struct Cgroup: Encodable {
            var v1 = true
            var v2 = true
            var systemd = false
            var systemdUser = false
        }
        struct Seccomp: Encodable {
            var enabled = true
            var actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                           "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"]
            var operators = ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
                             "SCMP_CMP_NE"]
            var archs = ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
        }
        struct Enabled: Encodable { var enabled: Bool }
        var namespaces = ["cgroup", "ipc", "mount", "network", "pid", "uts"]
        var capabilities = (0..<41).map { CapabilitySet.name(forNumber: $0) }
        var cgroup = Cgroup()
        var seccomp = Seccomp()
        var apparmor = Enabled(enabled: false)
        var selinux = Enabled(enabled: false)
    }
    var ociVersionMin = "1.0.0"
    var ociVersionMax = OCIRuntime.specVersion
    var hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
    var mountOptions = ["async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "mand", "noatime",
                        "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "private",
                        "rbind", "relatime", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "slave",
                        "strictatime", "suid", "sync", "unbindable"]
    var linux = Linux()
    var annotations = ["org.opencontainers.runc.version": "swrun-oci " + SwrunVersion.string]

    static let current = Features()
}
