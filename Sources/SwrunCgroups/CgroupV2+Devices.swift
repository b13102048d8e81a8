#if canImport(Glibc)
import Glibc
#endif
import CSwrun
import SwrunOS

extension CgroupV2Manager {
    /// Loads the allowlist as a BPF_PROG_TYPE_CGROUP_DEVICE program and attaches it to
    /// `directory`, then detaches the programs that were there before, so creating
    /// the cgroup again replaces the filter without leaving it unguarded meanwhile.
    @Sendable static func attachDeviceProgram(directory: String, rules: [DeviceRule]) throws {
        let cgroupFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroupFD >= 0 else { throw SwrunError.system("open \(directory)") }
        defer { close(cgroupFD) }

        var previous = [UInt32](repeating: 0, count: 64)
        var previousCount = UInt32(previous.count)
        guard sw_bpf_query_cgroup_device(cgroupFD, &previous, &previousCount) == 0 else {
            throw SwrunError.system("bpf BPF_PROG_QUERY \(directory)")
        }

        let program = DeviceFilterProgram(rules: rules)
        let programFD = try loadDeviceProgram(program)
        defer { close(programFD) }
        guard sw_bpf_attach_cgroup_device(cgroupFD, programFD) == 0 else {
            throw SwrunError.system("bpf BPF_PROG_ATTACH device filter to \(directory)")
        }

        for id in previous.prefix(Int(min(previousCount, UInt32(previous.count)))) {
            let oldFD = sw_bpf_prog_fd_by_id(id)
            guard oldFD >= 0 else {
                if errno == ENOENT { continue }
                throw SwrunError.system("bpf BPF_PROG_GET_FD_BY_ID \(id)")
            }
            defer { close(oldFD) }
            if sw_bpf_detach_cgroup_device(cgroupFD, oldFD) != 0 && errno != ENOENT {
                throw SwrunError.system("bpf BPF_PROG_DETACH old device filter from \(directory)")
            }
        }
    }

    /// BPF_PROG_LOAD without a verifier log (the log costs time on every start);
    /// when the kernel refuses the program, loads it again with a log to say why.
    private static func loadDeviceProgram(_ program: DeviceFilterProgram) throws -> Int32 {
        let bytes = program.bytes
        let count = UInt32(program.instructions.count)
        let programFD = bytes.withUnsafeBytes { sw_bpf_load_cgroup_device_prog($0.baseAddress, count, nil, 0) }
        if programFD >= 0 { return programFD }
        let err = errno
        var log = [CChar](repeating: 0, count: 1 << 16)
        let retryFD = bytes.withUnsafeBytes { sw_bpf_load_cgroup_device_prog($0.baseAddress, count, &log, UInt32(log.count)) }
        if retryFD >= 0 { return retryFD }
        let logText = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The verifier's complaint is the line before its closing statistics.
        let verifier = logText.split(separator: "\n").suffix(2).joined(separator: "; ")
        let detail = verifier.isEmpty ? "" : " (\(verifier))"
        throw SwrunError(.system, "bpf BPF_PROG_LOAD device filter: \(String(cString: strerror(err)))\(detail)", errno: err)
    }
}
