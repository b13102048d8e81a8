import Testing
import SwrunOCI
@testable import SwrunRuntime
@testable import SwrunSecurity

/// The filter cache's key stands for the whole seccomp object: equal objects share it,
/// and any change that could change the filter gives another.
@Suite struct SeccompKeyMaterialTests {
    static let base = RuntimeSpec.Seccomp(try! SeccompProfile.dockerDefault.resolved(capabilities: .dockerDefault))

    @Test func equalObjectsShareTheKey() throws {
        let again = RuntimeSpec.Seccomp(try SeccompProfile.dockerDefault.resolved(capabilities: .dockerDefault))
        #expect(try Self.base.filterKeyMaterial() == again.filterKeyMaterial())
    }

    @Test func everyMemberChangesTheKey() throws {
        var variants: [RuntimeSpec.Seccomp] = []
        func variant(_ change: (inout RuntimeSpec.Seccomp) -> Void) {
            var copy = Self.base
            change(&copy)
            variants.append(copy)
        }
        variant { $0.defaultAction = "SCMP_ACT_KILL" }
        variant { $0.defaultErrnoRet = nil }
        variant { $0.architectures = ($0.architectures ?? []) + ["SCMP_ARCH_X86"] }
        variant { $0.flags = ["SECCOMP_FILTER_FLAG_LOG"] }
        variant { $0.listenerPath = "/run/listener" }
        variant { $0.extra["future"] = .string("x") }
        variant { $0.syscalls![0].names.append("reboot") }
        variant { $0.syscalls![0].action = "SCMP_ACT_LOG" }
        variant { $0.syscalls![0].errnoRet = 38 }
        variant { $0.syscalls![0].extra["future"] = .bool(true) }
        variant { $0.syscalls!.removeLast() }
        variant { $0.syscalls = nil }
        // Moving a name from one rule to the next is a different object, not the same bytes.
        variant {
            let name = $0.syscalls![0].names.removeLast()
            $0.syscalls![1].names.insert(name, at: 0)
        }
        let withArgs = try #require(Self.base.syscalls?.firstIndex { !($0.args ?? []).isEmpty })
        variant { $0.syscalls![withArgs].args![0].value += 1 }
        variant { $0.syscalls![withArgs].args![0].valueTwo = 7 }
        variant { $0.syscalls![withArgs].args![0].op = "SCMP_CMP_GT" }
        variant { $0.syscalls![withArgs].args![0].index += 1 }

        var keys: Set<[UInt8]> = [try Self.base.filterKeyMaterial()]
        for (i, changed) in variants.enumerated() {
            #expect(changed != Self.base, "variant \(i) changed nothing")
            #expect(keys.insert(try changed.filterKeyMaterial()).inserted, "variant \(i) has a key already seen")
        }
    }
}
