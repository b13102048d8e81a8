import CCap
import Foundation
import Testing
@testable import SwrunOS
@testable import SwrunSecurity

@Suite struct CapabilitySetTests {
    @Test func dockerDefaultMask() {
        #expect(CapabilitySet.dockerDefault.mask == 0x0000_0000_a804_25fb)
        #expect(CapabilitySet.dockerDefault.names.count == 14)
        #expect(CapabilitySet.dockerDefault.names.first == "CAP_AUDIT_WRITE")
    }

    @Test(arguments: [
        ("NET_ADMIN", 12), ("CAP_NET_ADMIN", 12), ("net_admin", 12), ("cap_Net_Admin", 12),
        ("CHOWN", 0), ("CAP_CHECKPOINT_RESTORE", 40), ("sys_admin", 21), ("bpf", 39),
    ])
    func numberForName(name: String, number: Int) throws {
        #expect(try CapabilitySet.number(forName: name) == number)
    }

    @Test(arguments: ["FOO", "CAP_", "", "ALL", "CAP_CAP_CHOWN", "NET ADMIN"])
    func unknownNameThrows(name: String) {
        #expect {
            try CapabilitySet.number(forName: name)
        } throws: { error in
            guard let error = error as? SwrunError else { return false }
            return error.code == .invalidArgument && error.message == "unknown capability: \(name)"
        }
    }

    @Test func nameForNumber() {
        #expect(CapabilitySet.name(forNumber: 0) == "CAP_CHOWN")
        #expect(CapabilitySet.name(forNumber: 21) == "CAP_SYS_ADMIN")
        #expect(CapabilitySet.name(forNumber: 40) == "CAP_CHECKPOINT_RESTORE")
        #expect(CapabilitySet.name(forNumber: 41) == "CAP_41")
    }

    /// swrun's table agrees with libcap's, name for name.
    @Test func tableMatchesLibcap() throws {
        for (number, name) in CapabilitySet.knownNames.enumerated() {
            var value: cap_value_t = -1
            #expect(cap_from_name(name, &value) == 0, "libcap does not know \(name)")
            #expect(Int(value) == number, "\(name)")
            let libcapName = try #require(cap_to_name(cap_value_t(number)))
            defer { cap_free(libcapName) }
            #expect(String(cString: libcapName).uppercased() == name)
        }
    }

    @Test func allCoversTheRunningKernel() throws {
        let all = CapabilitySet.all()
        let text = try String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8)
        let last = try #require(Int(text.filter(\.isNumber)))
        #expect(all.numbers == Array(0...last))
        #expect(all.contains(21))
    }

    @Test func namesAreSortedFullNames() {
        let set = CapabilitySet(mask: 1 << 21 | 1 << 0 | 1 << 12)
        #expect(set.names == ["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_ADMIN"])
    }

    struct ResolveCase: Sendable, CustomTestStringConvertible {
        var privileged = false
        var add: [String] = []
        var drop: [String] = []
        var expected: @Sendable () -> UInt64
        var testDescription: String { "privileged=\(privileged) add=\(add) drop=\(drop)" }
    }

    static let resolveCases: [ResolveCase] = [
        ResolveCase(expected: { CapabilitySet.dockerDefault.mask }),
        ResolveCase(add: ["NET_ADMIN"], expected: { CapabilitySet.dockerDefault.mask | 1 << 12 }),
        ResolveCase(add: ["cap_net_admin"], drop: ["chown"], expected: { CapabilitySet.dockerDefault.mask & ~1 | 1 << 12 }),
        ResolveCase(drop: ["ALL"], expected: { 0 }),
        ResolveCase(add: ["CHOWN", "kill"], drop: ["all"], expected: { 1 << 0 | 1 << 5 }),
        ResolveCase(add: ["ALL"], expected: { CapabilitySet.all().mask }),
        ResolveCase(add: ["ALL"], drop: ["SYS_ADMIN"], expected: { CapabilitySet.all().mask & ~(1 << 21) }),
        // Docker: a name both added and dropped is present (drop first, then add).
        ResolveCase(add: ["CHOWN"], drop: ["CHOWN"], expected: { CapabilitySet.dockerDefault.mask }),
        // Docker: privileged gets everything; --cap-drop is ignored.
        ResolveCase(privileged: true, expected: { CapabilitySet.all().mask }),
        ResolveCase(privileged: true, drop: ["ALL"], expected: { CapabilitySet.all().mask }),
    ]

    @Test(arguments: resolveCases)
    func resolveFollowsDocker(_ testCase: ResolveCase) throws {
        let set = try CapabilitySet.resolve(privileged: testCase.privileged, add: testCase.add, drop: testCase.drop)
        #expect(set.mask == testCase.expected())
    }

    @Test func resolveRejectsUnknownNames() {
        #expect(throws: SwrunError.self) { try CapabilitySet.resolve(privileged: false, add: ["NET_FOO"], drop: []) }
        #expect(throws: SwrunError.self) { try CapabilitySet.resolve(privileged: true, add: [], drop: ["BOGUS"]) }
    }
}
