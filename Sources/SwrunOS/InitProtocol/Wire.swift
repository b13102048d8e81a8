/// A compact, Foundation-free binary encoding for messages between `swrun` and
/// `swrun-init`: little-endian integers and length-prefixed byte strings. The init
/// process decodes it without pulling in a JSON parser on the container start path.
public struct WireWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func raw(_ data: [UInt8]) {
        u64(UInt64(data.count))
        bytes.append(contentsOf: data)
    }
    public mutating func string(_ value: String) { raw(Array(value.utf8)) }
    public mutating func strings(_ values: [String]) {
        u64(UInt64(values.count))
        for value in values { string(value) }
    }
}

/// Reads what `WireWriter` wrote; every read is bounds-checked.
public struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    private static let truncated = SwrunError(.corrupt, "init message: truncated")

    public mutating func u64() throws -> UInt64 {
        guard offset + 8 <= bytes.count else { throw Self.truncated }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return value
    }
    public mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
    public mutating func bool() throws -> Bool {
        guard offset < bytes.count else { throw Self.truncated }
        defer { offset += 1 }
        return bytes[offset] != 0
    }
    public mutating func raw() throws -> [UInt8] {
        let count = try u64()
        guard count <= UInt64(bytes.count - offset) else { throw Self.truncated }
        defer { offset += Int(count) }
        return Array(bytes[offset..<offset + Int(count)])
    }
    public mutating func string() throws -> String { String(decoding: try raw(), as: UTF8.self) }
    public mutating func strings() throws -> [String] {
        let count = try u64()
        guard count <= UInt64(bytes.count - offset) else { throw Self.truncated }
        return try (0..<count).map { _ in try string() }
    }
}
