import Foundation
import Testing
@testable import SwrunOS
@testable import SwrunSecurity

@Suite struct SeccompCompilerTests {
    static let isX86_64 = HostPlatform.current.seccompArch == "x86_64"

    @Test func defaultProfileCompiles() throws {
        let filter = try SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault)
        #expect(!filter.isEmpty)
        #expect(filter.count % 8 == 0)
        // The kernel takes at most 4096 instructions.
        #expect(filter.count / 8 <= 4096)
    }

    @Test func compileIsDeterministic() throws {
        let first = try SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault)
        let second = try SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault)
        #expect(first == second)
    }

    @Test func sysAdminChangesTheFilter() throws {
        var withAdmin = CapabilitySet.dockerDefault
        withAdmin.insert(try CapabilitySet.number(forName: "SYS_ADMIN"))
        let plain = try SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault)
        let admin = try SeccompCompiler.compile(.dockerDefault, capabilities: withAdmin)
        #expect(plain != admin)
    }

    @Test func everyCapabilityCompiles() throws {
        let filter = try SeccompCompiler.compile(.dockerDefault, capabilities: .all())
        #expect(filter.count % 8 == 0)
    }

    @Test func smallCustomProfileCompiles() throws {
        let json = #"""
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir", "no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"},
                      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}
        """#
        let filter = try SeccompCompiler.compile(try SeccompProfile.parse(json: Array(json.utf8)), capabilities: .dockerDefault)
        #expect(filter.count % 8 == 0)
        if Self.isX86_64 {
            let program = try SeccompFilterInterpreter(filter)
            #expect(try program.run(nr: 83) == 0x0005_0001)  // mkdir → EPERM
            #expect(try program.run(nr: 39) == 0x7fff_0000)  // getpid
            #expect(try program.run(nr: 0) == 0x7fff_0000)  // read
        }
    }

    @Test func excludesMinKernelIsRefused() throws {
        let json = #"""
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "5.0"}}]}
        """#
        let profile = try SeccompProfile.parse(json: Array(json.utf8))
        #expect(throws: SwrunError.self) { try SeccompCompiler.compile(profile, capabilities: .dockerDefault) }
    }

    @Test func minKernelGatesRules() throws {
        let rule = SeccompProfile.SyscallRule(
            names: ["ptrace"], action: .allow, includes: .init(minKernel: KernelVersion(major: 4, minor: 8)))
        var platform = HostPlatform.current
        platform.kernel = KernelVersion(major: 4, minor: 4)
        #expect(try !SeccompCompiler.applies(rule, capabilities: .dockerDefault, platform: platform))
        platform.kernel = KernelVersion(major: 6, minor: 18)
        #expect(try SeccompCompiler.applies(rule, capabilities: .dockerDefault, platform: platform))
    }

    @Test func archMapPicksTheNativeEntry() {
        let profile = SeccompProfile.dockerDefault
        #expect(SeccompCompiler.architectures(of: profile, native: "x86_64") == ["x86", "x32"])
        #expect(SeccompCompiler.architectures(of: profile, native: "aarch64") == ["arm"])
        #expect(SeccompCompiler.architectures(of: profile, native: "riscv64") == [])
    }

    // MARK: what the default filter decides, evaluated with a BPF interpreter

    static let auditArchX86_64: UInt32 = 0xc000_003e
    static let auditArchI386: UInt32 = 0x4000_0003
    static let allow: UInt32 = 0x7fff_0000
    static let eperm: UInt32 = 0x0005_0001
    static let enosys: UInt32 = 0x0005_0026

    struct Call: Sendable, CustomTestStringConvertible {
        var name: String
        var nr: Int32
        var args: [UInt64] = []
        var arch: UInt32 = SeccompCompilerTests.auditArchX86_64
        var plain: UInt32
        var sysAdmin: UInt32
        var testDescription: String { "\(name)\(args)" }
    }

    static let calls: [Call] = [
        Call(name: "read", nr: 0, plain: allow, sysAdmin: allow),
        Call(name: "x32 read", nr: 0x4000_0000, plain: allow, sysAdmin: allow),
        Call(name: "i386 read", nr: 3, arch: auditArchI386, plain: allow, sysAdmin: allow),
        Call(name: "mount", nr: 165, plain: eperm, sysAdmin: allow),
        Call(name: "i386 mount", nr: 21, arch: auditArchI386, plain: eperm, sysAdmin: allow),
        Call(name: "umount2", nr: 166, plain: eperm, sysAdmin: allow),
        Call(name: "unshare", nr: 272, args: [0x2_0000], plain: eperm, sysAdmin: allow),
        Call(name: "setns", nr: 308, plain: eperm, sysAdmin: allow),
        Call(name: "clone", nr: 56, args: [0x11], plain: allow, sysAdmin: allow),
        Call(name: "clone", nr: 56, args: [0x003d_0f00], plain: allow, sysAdmin: allow),
        Call(name: "clone", nr: 56, args: [0x2_0011], plain: eperm, sysAdmin: allow),
        Call(name: "clone", nr: 56, args: [0x4000_0011], plain: eperm, sysAdmin: allow),
        Call(name: "clone3", nr: 435, plain: enosys, sysAdmin: allow),
        Call(name: "socket", nr: 41, args: [2], plain: allow, sysAdmin: allow),
        Call(name: "socket", nr: 41, args: [40], plain: eperm, sysAdmin: eperm),
        Call(name: "personality", nr: 135, args: [8], plain: allow, sysAdmin: allow),
        Call(name: "personality", nr: 135, args: [0xffff_ffff], plain: allow, sysAdmin: allow),
        Call(name: "personality", nr: 135, args: [0x40_0000], plain: eperm, sysAdmin: eperm),
        Call(name: "arch_prctl", nr: 158, plain: allow, sysAdmin: allow),
        Call(name: "ptrace", nr: 101, plain: allow, sysAdmin: allow),
        Call(name: "reboot", nr: 169, plain: eperm, sysAdmin: eperm),
        Call(name: "init_module", nr: 175, plain: eperm, sysAdmin: eperm),
        Call(name: "kexec_load", nr: 246, plain: eperm, sysAdmin: eperm),
        Call(name: "keyctl", nr: 250, plain: eperm, sysAdmin: eperm),
        Call(name: "io_uring_setup", nr: 425, plain: eperm, sysAdmin: eperm),
        Call(name: "chroot", nr: 161, plain: allow, sysAdmin: allow),
        Call(name: "bpf", nr: 321, plain: eperm, sysAdmin: allow),
    ]

    @Test(.enabled(if: isX86_64), arguments: calls)
    func defaultFilterDecides(_ call: Call) throws {
        var withAdmin = CapabilitySet.dockerDefault
        withAdmin.insert(21)
        let plain = try SeccompFilterInterpreter(SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault))
        let admin = try SeccompFilterInterpreter(SeccompCompiler.compile(.dockerDefault, capabilities: withAdmin))
        #expect(try plain.run(nr: call.nr, arch: call.arch, args: call.args) == call.plain)
        #expect(try admin.run(nr: call.nr, arch: call.arch, args: call.args) == call.sysAdmin)
    }

    @Test(.enabled(if: isX86_64)) func defaultFilterKillsUnknownArchitectures() throws {
        let program = try SeccompFilterInterpreter(SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault))
        let auditArchAArch64: UInt32 = 0xc000_00b7
        #expect(try program.run(nr: 63, arch: auditArchAArch64) == 0)
    }

    // MARK: cache

    @Test func cachedFilterWritesAndReuses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let json = Array(SeccompProfile.dockerDefaultJSON.utf8)
        let cacheDir = dir + "/seccomp"

        let first = try SeccompCompiler.cachedFilter(profileJSON: json, capabilities: .dockerDefault, cacheDir: cacheDir)
        #expect(first == (try SeccompCompiler.compile(.dockerDefault, capabilities: .dockerDefault)))
        let files = try FileManager.default.contentsOfDirectory(atPath: cacheDir)
        #expect(files.count == 1)
        #expect(files.first?.hasSuffix(".bpf") == true)

        let second = try SeccompCompiler.cachedFilter(profileJSON: json, capabilities: .dockerDefault, cacheDir: cacheDir)
        #expect(second == first)

        // Other capabilities are another entry.
        _ = try SeccompCompiler.cachedFilter(profileJSON: json, capabilities: .all(), cacheDir: cacheDir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheDir).count == 2)
    }

    @Test func cachedFilterServesFromTheFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let json = Array(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#.utf8)
        let platform = HostPlatform.current
        let key = SeccompCompiler.cacheKey(profileJSON: json, capabilities: .dockerDefault, platform: platform)
        let path = SeccompCompiler.cachePath(cacheDir: dir, key: key)
        // A valid file with a planted program proves the second call never compiles.
        let planted: [UInt8] = [6, 0, 0, 0, 0, 0, 0xff, 0x7f]
        try Data(FilterCacheFile.encode(filter: planted, key: key)).write(to: URL(fileURLWithPath: path))
        #expect(try SeccompCompiler.cachedFilter(profileJSON: json, capabilities: .dockerDefault, cacheDir: dir) == planted)
    }

    @Test(arguments: ["truncated", "flipped", "empty", "otherKey"])
    func damagedCacheFileIsRecompiled(damage: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let json = Array(SeccompProfile.dockerDefaultJSON.utf8)
        let good = try SeccompCompiler.cachedFilter(profileJSON: json, capabilities: .dockerDefault, cacheDir: dir)
        let key = SeccompCompiler.cacheKey(profileJSON: json, capabilities: .dockerDefault, platform: .current)
        let path = SeccompCompiler.cachePath(cacheDir: dir, key: key)
        var contents = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case "truncated": contents.removeLast(8)
        case "flipped": contents[contents.count - 3] ^= 0x40
        case "empty": contents = []
        default:
            let other = SeccompCompiler.cacheKey(profileJSON: Array("{}".utf8), capabilities: .dockerDefault, platform: .current)
            contents = FilterCacheFile.encode(filter: [6, 0, 0, 0, 0, 0, 0xff, 0x7f], key: other)
        }
        try Data(contents).write(to: URL(fileURLWithPath: path))

        let again = try SeccompCompiler.cachedFilter(profileJSON: json, capabilities: .dockerDefault, cacheDir: dir)
        #expect(again == good)
        // The damaged file was replaced with a good one.
        let rewritten = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(FilterCacheFile.decode(rewritten, key: key) == good)
    }

    @Test func cachedFilterReportsBadProfiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: SwrunError.self) {
            try SeccompCompiler.cachedFilter(profileJSON: Array("{nope".utf8), capabilities: .dockerDefault, cacheDir: dir)
        }
    }

    @Test func fnv1a64KnownValues() {
        #expect(SeccompCompiler.fnv1a64([]) == 0xcbf2_9ce4_8422_2325)
        #expect(SeccompCompiler.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(SeccompCompiler.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "swrun-seccomp-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A classic-BPF interpreter for the instructions libseccomp emits, run over a
/// `struct seccomp_data`, so tests can check what a filter decides without loading it.
struct SeccompFilterInterpreter {
    struct Instruction {
        var code: UInt16
        var jt: UInt8
        var jf: UInt8
        var k: UInt32
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let instructions: [Instruction]

    init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty, bytes.count % 8 == 0 else { throw Failure(description: "not a BPF program") }
        instructions = stride(from: 0, to: bytes.count, by: 8).map { i in
            Instruction(
                code: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8, jt: bytes[i + 2], jf: bytes[i + 3],
                k: UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 24)
        }
    }

    /// The filter's return value for a system call.
    func run(nr: Int32, arch: UInt32 = 0xc000_003e, args: [UInt64] = []) throws -> UInt32 {
        var data = [UInt32](repeating: 0, count: 16)  // nr, arch, ip (2 words), args (12 words)
        data[0] = UInt32(bitPattern: nr)
        data[1] = arch
        for (i, arg) in args.enumerated() {
            data[4 + 2 * i] = UInt32(truncatingIfNeeded: arg)
            data[5 + 2 * i] = UInt32(truncatingIfNeeded: arg >> 32)
        }
        var a: UInt32 = 0, x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        while pc < instructions.count {
            let ins = instructions[pc]
            pc += 1
            func jump(_ condition: Bool) { pc += Int(condition ? ins.jt : ins.jf) }
            switch ins.code {
            case 0x20:  // ld [k]
                guard ins.k % 4 == 0, Int(ins.k / 4) < data.count else { throw Failure(description: "load \(ins.k)") }
                a = data[Int(ins.k / 4)]
            case 0x00: a = ins.k  // ld #k
            case 0x60: a = memory[Int(ins.k & 15)]  // ld M[k]
            case 0x61: x = memory[Int(ins.k & 15)]  // ldx M[k]
            case 0x02: memory[Int(ins.k & 15)] = a  // st M[k]
            case 0x03: memory[Int(ins.k & 15)] = x  // stx M[k]
            case 0x07: x = a  // tax
            case 0x87: a = x  // txa
            case 0x54: a &= ins.k  // and #k
            case 0x05: pc += Int(ins.k)  // ja
            case 0x15: jump(a == ins.k)  // jeq #k
            case 0x25: jump(a > ins.k)  // jgt #k
            case 0x35: jump(a >= ins.k)  // jge #k
            case 0x45: jump(a & ins.k != 0)  // jset #k
            case 0x1d: jump(a == x)  // jeq x
            case 0x2d: jump(a > x)  // jgt x
            case 0x3d: jump(a >= x)  // jge x
            case 0x06: return ins.k  // ret #k
            case 0x16: return a  // ret a
            default: throw Failure(description: "unknown BPF opcode 0x\(String(ins.code, radix: 16))")
            }
        }
        throw Failure(description: "ran off the end")
    }
}
