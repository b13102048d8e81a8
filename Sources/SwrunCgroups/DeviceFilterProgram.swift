/// The eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) that enforces a device allowlist
/// on cgroup v2, built the way runc builds it: load the request once, then one block
/// per rule that returns 1 (allow) on a match, and 0 (deny) after the last rule.
///
/// The kernel calls it with `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
/// u32 minor; }`, where `access_type` is `(BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*`.
struct DeviceFilterProgram: Sendable, Equatable {
    /// One `struct bpf_insn`.
    struct Instruction: Sendable, Equatable {
        var code: UInt8
        var dst: UInt8
        var src: UInt8
        var offset: Int16
        var imm: Int32

        /// The 8 bytes of `struct bpf_insn` in the machine's byte order; the two
        /// register nibbles share a byte, dst first in bit-field order.
        var bytes: [UInt8] {
            #if _endian(little)
            let registers = (src << 4) | (dst & 0x0f)
            #else
            let registers = (dst << 4) | (src & 0x0f)
            #endif
            return [code, registers] + withUnsafeBytes(of: offset) { Array($0) } + withUnsafeBytes(of: imm) { Array($0) }
        }
    }

    let instructions: [Instruction]

    // Opcodes from linux/bpf_common.h and linux/bpf.h.
    private static let loadWord: UInt8 = 0x61      // BPF_LDX | BPF_MEM | BPF_W
    private static let and32Imm: UInt8 = 0x54      // BPF_ALU | BPF_AND | BPF_K
    private static let rsh32Imm: UInt8 = 0x74      // BPF_ALU | BPF_RSH | BPF_K
    private static let mov64Reg: UInt8 = 0xbf      // BPF_ALU64 | BPF_MOV | BPF_X
    private static let mov64Imm: UInt8 = 0xb7      // BPF_ALU64 | BPF_MOV | BPF_K
    private static let jneImm: UInt8 = 0x55        // BPF_JMP | BPF_JNE | BPF_K
    private static let jneReg: UInt8 = 0x5d        // BPF_JMP | BPF_JNE | BPF_X
    private static let exit: UInt8 = 0x95          // BPF_JMP | BPF_EXIT

    // BPF_DEVCG_DEV_BLOCK and BPF_DEVCG_DEV_CHAR.
    private static func typeValue(_ kind: DeviceRule.Kind) -> Int32 {
        kind == .block ? 1 : 2
    }

    init(rules: [DeviceRule]) {
        typealias I = Instruction
        // r2 = device type, r3 = requested access, r4 = major, r5 = minor.
        var program: [I] = [
            I(code: Self.loadWord, dst: 2, src: 1, offset: 0, imm: 0),
            I(code: Self.and32Imm, dst: 2, src: 0, offset: 0, imm: 0xffff),
            I(code: Self.loadWord, dst: 3, src: 1, offset: 0, imm: 0),
            I(code: Self.rsh32Imm, dst: 3, src: 0, offset: 0, imm: 16),
            I(code: Self.loadWord, dst: 4, src: 1, offset: 4, imm: 0),
            I(code: Self.loadWord, dst: 5, src: 1, offset: 8, imm: 0),
        ]
        for rule in rules {
            // Each check jumps past the rest of the block when it fails; offsets are
            // filled in once the block's length is known.
            var block: [I] = [I(code: Self.jneImm, dst: 2, src: 0, offset: 0, imm: Self.typeValue(rule.kind))]
            if rule.access != .all {
                // Deny unless the requested access is a subset of the allowed one.
                block += [
                    I(code: Self.mov64Reg, dst: 1, src: 3, offset: 0, imm: 0),
                    I(code: Self.and32Imm, dst: 1, src: 0, offset: 0, imm: Int32(rule.access.rawValue)),
                    I(code: Self.jneReg, dst: 1, src: 3, offset: 0, imm: 0),
                ]
            }
            if let major = rule.major {
                block.append(I(code: Self.jneImm, dst: 4, src: 0, offset: 0, imm: Int32(bitPattern: major)))
            }
            if let minor = rule.minor {
                block.append(I(code: Self.jneImm, dst: 5, src: 0, offset: 0, imm: Int32(bitPattern: minor)))
            }
            block += [
                I(code: Self.mov64Imm, dst: 0, src: 0, offset: 0, imm: 1),
                I(code: Self.exit, dst: 0, src: 0, offset: 0, imm: 0),
            ]
            for index in block.indices where block[index].code == Self.jneImm || block[index].code == Self.jneReg {
                block[index].offset = Int16(block.count - index - 1)
            }
            program += block
        }
        program += [
            I(code: Self.mov64Imm, dst: 0, src: 0, offset: 0, imm: 0),
            I(code: Self.exit, dst: 0, src: 0, offset: 0, imm: 0),
        ]
        instructions = program
    }

    /// The program as the array of `struct bpf_insn` that BPF_PROG_LOAD takes.
    var bytes: [UInt8] {
        instructions.flatMap(\.bytes)
    }
}
