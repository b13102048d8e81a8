import Testing
@testable import SwrunCgroups

@Suite("Cgroup device allowlist")
struct CgroupDeviceFilterTests {
    @Test func v1RulesAreDockersDefaults() {
        #expect(DeviceRule.dockerDefaults.map(\.v1String) == [
            "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
            "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm", "c 10:229 rwm",
        ])
    }

    @Test(.enabled(if: 1.littleEndian == 1, "the expected bytes are little-endian"))
    func instructionEncodesAsStructBpfInsn() {
        let insn = DeviceFilterProgram.Instruction(code: 0x61, dst: 4, src: 1, offset: 4, imm: 0)
        #expect(insn.bytes == [0x61, 0x14, 4, 0, 0, 0, 0, 0])
        let jump = DeviceFilterProgram.Instruction(code: 0x55, dst: 2, src: 0, offset: -2, imm: 0x0102_0304)
        #expect(jump.bytes == [0x55, 0x02, 0xfe, 0xff, 0x04, 0x03, 0x02, 0x01])
        #expect(DeviceFilterProgram(rules: DeviceRule.dockerDefaults).bytes.count
            == DeviceFilterProgram(rules: DeviceRule.dockerDefaults).instructions.count * 8)
    }

    static let char: UInt32 = 2, block: UInt32 = 1
    static let mknod: UInt32 = 1, read: UInt32 = 2, write: UInt32 = 4

    @Test(arguments: [
        (char, 1, 3, read | write, true),          // /dev/null
        (char, 1, 9, read, true),                  // /dev/urandom
        (char, 136, 7, read | write, true),        // /dev/pts/7
        (char, 10, 229, read | write | mknod, true), // /dev/fuse
        (char, 1, 11, read, false),                // /dev/kmsg
        (char, 1, 1, read, false),                 // /dev/mem
        (char, 4, 1, mknod, true),                 // mknod of any char device
        (char, 4, 1, mknod | read, false),
        (block, 7, 0, mknod, true),                // mknod of any block device
        (block, 7, 0, read, false),                // /dev/loop0
        (block, 1, 3, read, false),                // a block device with null's numbers
        (char, 10, 200, write, true),              // /dev/net/tun
        (char, 10, 237, read, false),              // /dev/loop-control
    ] as [(UInt32, UInt32, UInt32, UInt32, Bool)])
    func programAllowsExactlyTheList(type: UInt32, major: UInt32, minor: UInt32, access: UInt32, allowed: Bool) throws {
        let program = DeviceFilterProgram(rules: DeviceRule.dockerDefaults)
        let result = try Self.run(program, context: [(access << 16) | type, major, minor])
        #expect(result == (allowed ? 1 : 0))
    }

    @Test func emptyListDeniesEverything() throws {
        let program = DeviceFilterProgram(rules: [])
        #expect(try Self.run(program, context: [(2 << 16) | 2, 1, 3]) == 0)
    }

    struct Unsupported: Error { let code: UInt8 }

    /// Runs the few eBPF instructions the generator emits against a
    /// `bpf_cgroup_dev_ctx` (r1 points at it).
    static func run(_ program: DeviceFilterProgram, context: [UInt32]) throws -> UInt64 {
        var registers = [UInt64](repeating: 0, count: 11)
        var pc = 0
        while pc < program.instructions.count {
            let insn = program.instructions[pc]
            let dst = Int(insn.dst), src = Int(insn.src)
            let imm = UInt64(bitPattern: Int64(insn.imm))
            pc += 1
            switch insn.code {
            case 0x61: registers[dst] = UInt64(context[Int(insn.offset) / 4])   // r1 is the only base used
            case 0x54: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst] & imm))
            case 0x74: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) >> UInt32(insn.imm))
            case 0xbf: registers[dst] = registers[src]
            case 0xb7: registers[dst] = imm
            case 0x55: if registers[dst] != imm { pc += Int(insn.offset) }
            case 0x5d: if registers[dst] != registers[src] { pc += Int(insn.offset) }
            case 0x95: return registers[0]
            default: throw Unsupported(code: insn.code)
            }
        }
        throw Unsupported(code: 0)
    }
}
