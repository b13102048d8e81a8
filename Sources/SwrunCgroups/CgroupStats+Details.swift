/// The parts of `docker stats` beyond usage counters: the page cache docker leaves out
/// of memory usage, and block I/O, each in its version's file format.
extension CgroupStats {
    /// v1: `memory.stat`'s `total_inactive_file` and blkio's bytes.
    mutating func addV1Details(memory: String?, blkio: String?) {
        if let memory, let text = try? CgroupFS.read(memory + "/memory.stat") {
            memoryInactiveFile = CgroupFS.keyedValue("total_inactive_file", in: text).map { UInt64(max(0, $0)) }
        }
        guard let blkio else { return }
        // The throttle files count every device; the plain ones only under CFQ/BFQ,
        // which modern kernels rarely use (docker reads the same two, in this order).
        for file in ["blkio.throttle.io_service_bytes_recursive", "blkio.io_service_bytes_recursive"] {
            guard let text = try? CgroupFS.read(blkio + "/" + file),
                  let (read, write) = Self.v1BlockBytes(text) else { continue }
            blockReadBytes = read
            blockWriteBytes = write
            return
        }
        blockReadBytes = 0
        blockWriteBytes = 0
    }

    /// v2: `memory.stat`'s `inactive_file` and `io.stat`'s bytes.
    func addingV2Details(directory: String) -> CgroupStats {
        var stats = self
        if let text = try? CgroupFS.read(directory + "/memory.stat") {
            stats.memoryInactiveFile = CgroupFS.keyedValue("inactive_file", in: text).map { UInt64(max(0, $0)) }
        }
        if let text = try? CgroupFS.read(directory + "/io.stat") {
            (stats.blockReadBytes, stats.blockWriteBytes) = Self.v2BlockBytes(text)
        } else if CgroupFS.exists(directory + "/cgroup.procs") {
            (stats.blockReadBytes, stats.blockWriteBytes) = (0, 0)
        }
        return stats
    }

    /// Sums the `Read` and `Write` lines of a v1 `blkio.*io_service_bytes*` file
    /// ("8:0 Read 4096"); nil when it has no device lines (the policy is not in use).
    public static func v1BlockBytes(_ text: String) -> (read: UInt64, write: UInt64)? {
        var read: UInt64 = 0
        var write: UInt64 = 0
        var seen = false
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let value = UInt64(fields[2]) else { continue }
            seen = true
            switch fields[1].lowercased() {
            case "read": read &+= value
            case "write": write &+= value
            default: break
            }
        }
        return seen ? (read, write) : nil
    }

    /// Sums `rbytes=` and `wbytes=` over the devices of a v2 `io.stat`
    /// ("8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0").
    public static func v2BlockBytes(_ text: String) -> (read: UInt64, write: UInt64) {
        var read: UInt64 = 0
        var write: UInt64 = 0
        for line in text.split(separator: "\n") {
            for field in line.split(separator: " ").dropFirst() {
                if field.hasPrefix("rbytes="), let value = UInt64(field.dropFirst(7)) { read &+= value }
                if field.hasPrefix("wbytes="), let value = UInt64(field.dropFirst(7)) { write &+= value }
            }
        }
        return (read, write)
    }
}
