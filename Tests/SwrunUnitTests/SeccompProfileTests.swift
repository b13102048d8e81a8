import Foundation
import Testing
@testable import SwrunOS
@testable import SwrunSecurity

@Suite struct SeccompProfileTests {
    @Test func embeddedDefaultParses() throws {
        let profile = try SeccompProfile.parse(json: Array(SeccompProfile.dockerDefaultJSON.utf8))
        #expect(profile == SeccompProfile.dockerDefault)
        #expect(profile.defaultAction == .errno)
        #expect(profile.defaultErrnoRet == 1)
        let x86_64 = try #require(profile.archMap.first { $0.architecture.libseccompName == "x86_64" })
        #expect(x86_64.subArchitectures.map(\.libseccompName) == ["x86", "x32"])

        let allowAlways = profile.syscalls.filter {
            $0.action == .allow && $0.args.isEmpty && $0.includes == .init() && $0.excludes == .init()
        }.flatMap(\.names)
        #expect(allowAlways.count > 340)
        #expect(Set(allowAlways).count == allowAlways.count)
        for name in ["read", "write", "execve", "openat", "futex", "rseq", "statx", "close_range"] {
            #expect(allowAlways.contains(name), "\(name)")
        }
        for name in ["mount", "umount2", "unshare", "setns", "bpf", "ptrace", "clone", "clone3", "socket",
                     "personality", "reboot", "init_module", "io_uring_setup", "kexec_load", "keyctl"] {
            #expect(!allowAlways.contains(name), "\(name)")
        }
    }

    @Test func defaultGatesMountOnSysAdmin() throws {
        let rules = SeccompProfile.dockerDefault.syscalls.filter { $0.names.contains("mount") }
        #expect(rules.count == 1)
        #expect(rules.first?.includes.caps == ["CAP_SYS_ADMIN"])
    }

    @Test func defaultRestrictsPersonalityCloneAndSocket() throws {
        let syscalls = SeccompProfile.dockerDefault.syscalls
        let personas = syscalls.filter { $0.names == ["personality"] }.flatMap(\.args)
        #expect(personas.map(\.value) == [0, 8, 131072, 131080, 4294967295])
        #expect(personas.allSatisfy { $0.op == .equal && $0.index == 0 })

        let clone = try #require(syscalls.first { $0.names == ["clone"] && $0.includes.arches.isEmpty })
        #expect(clone.args == [.init(index: 0, value: 2114060288, valueTwo: 0, op: .maskedEqual)])
        #expect(clone.excludes.caps == ["CAP_SYS_ADMIN"])

        let clone3 = try #require(syscalls.first { $0.names == ["clone3"] && $0.action == .errno })
        #expect(clone3.errnoRet == 38)
        #expect(clone3.excludes.caps == ["CAP_SYS_ADMIN"])

        let socket = try #require(syscalls.first { $0.names == ["socket"] })
        #expect(socket.args == [.init(index: 0, value: 40, op: .notEqual)])
    }

    @Test func parsesEveryField() throws {
        let json = #"""
        {"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
         "listenerPath": "/run/x.sock", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
         "syscalls": [
           {"names": ["read"], "action": "SCMP_ACT_LOG"},
           {"name": "kill", "action": "SCMP_ACT_TRACE", "errnoRet": 5,
            "args": [{"index": 1, "value": 9, "valueTwo": 0, "op": "SCMP_CMP_GT"}],
            "includes": {"caps": ["CAP_KILL"], "arches": ["amd64"], "minKernel": "5.10"},
            "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["arm64"]}}
         ]}
        """#
        let profile = try SeccompProfile.parse(json: Array(json.utf8))
        #expect(profile.defaultAction == .killProcess)
        #expect(profile.defaultErrnoRet == nil)
        #expect(profile.architectures.map(\.libseccompName) == ["x86_64", "x86"])
        #expect(profile.syscalls.count == 2)
        let kill = profile.syscalls[1]
        #expect(kill.names == ["kill"])
        #expect(kill.action == .trace)
        #expect(kill.errnoRet == 5)
        #expect(kill.args == [.init(index: 1, value: 9, op: .greaterThan)])
        #expect(kill.includes.minKernel == KernelVersion(major: 5, minor: 10))
        #expect(kill.excludes.arches == ["arm64"])
    }

    @Test(arguments: [
        ("{", "invalid JSON"),
        (#"{"syscalls": []}"#, "defaultAction: missing"),
        (#"{"defaultAction": "SCMP_ACT_BOGUS"}"#, "unknown seccomp action: SCMP_ACT_BOGUS"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}"#,
         "unknown seccomp action: SCMP_ACT_NOPE"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}"#,
         "unknown seccomp operator: SCMP_CMP_LIKE"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
         "argument index 6 is out of range 0...5"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}"#,
         "unknown seccomp architecture: SCMP_ARCH_VAX"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "four"}}]}"#,
         "invalid kernel version: four"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}]}"#,
         "both 'architectures' and 'archMap' are set"),
    ])
    func badProfilesSayWhatIsWrong(json: String, expected: String) {
        #expect {
            try SeccompProfile.parse(json: Array(json.utf8))
        } throws: { error in
            guard let error = error as? SwrunError, error.code == .invalidArgument else { return false }
            return error.message.hasPrefix("seccomp profile: ") && error.message.contains(expected)
        }
    }

    @Test(arguments: [
        ("4.8", KernelVersion(major: 4, minor: 8)),
        ("6.18.0-1-amd64", KernelVersion(major: 6, minor: 18)),
        ("5.10+", KernelVersion(major: 5, minor: 10)),
        ("6.1-rc3", KernelVersion(major: 6, minor: 1)),
    ])
    func kernelVersions(text: String, expected: KernelVersion) {
        #expect(KernelVersion(text) == expected)
    }

    @Test func kernelVersionsOrder() {
        #expect(KernelVersion(major: 4, minor: 8) < KernelVersion(major: 4, minor: 19))
        #expect(KernelVersion(major: 4, minor: 19) < KernelVersion(major: 5, minor: 0))
        #expect(KernelVersion("6") == nil)
    }
}
