/// An IPv6 address: 16 bytes held as one 128-bit number (the first byte highest), read
/// in any RFC 4291 form and written in RFC 5952's canonical one ("fd00::1",
/// "::ffff:10.0.0.1").
public struct IPv6Address: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var value: UInt128

    public init(_ value: UInt128) { self.value = value }

    /// The address of 16 bytes in network order; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }

    /// Parses hex groups with at most one "::", and a dotted IPv4 tail in the last two
    /// groups ("::ffff:1.2.3.4"). Zones ("%eth0") are refused: an address here names no
    /// interface.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        let colon = UInt8(ascii: ":")
        var head = bytes[...]
        var tail: ArraySlice<UInt8>?
        if let gap = (0..<max(0, bytes.count - 1)).first(where: { bytes[$0] == colon && bytes[$0 + 1] == colon }) {
            head = bytes[..<gap]
            tail = bytes[(gap + 2)...]
        }
        func groups(_ part: ArraySlice<UInt8>, mayEndInIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let fields = part.split(separator: colon, omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, field) in fields.enumerated() {
                if index == fields.count - 1, mayEndInIPv4, field.contains(UInt8(ascii: ".")) {
                    guard let v4 = IPv4Address(String(decoding: field, as: UTF8.self)) else { return nil }
                    result += [UInt16(v4.value >> 16), UInt16(v4.value & 0xffff)]
                    continue
                }
                guard field.count >= 1, field.count <= 4 else { return nil }
                var group: UInt16 = 0
                for byte in field {
                    guard let digit = Self.hexDigit(byte) else { return nil }
                    group = group << 4 | UInt16(digit)
                }
                result.append(group)
            }
            return result
        }
        guard let first = groups(head, mayEndInIPv4: tail == nil) else { return nil }
        var all = first
        if let tail {
            guard let last = groups(tail, mayEndInIPv4: true), first.count + last.count <= 7 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - first.count - last.count) + last
        }
        guard all.count == 8 else { return nil }
        value = all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    /// ::.
    public static let unspecified = IPv6Address(0)

    public var bytes: [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: value >> (8 * (15 - $0))) } }

    /// The eight 16-bit groups, first one first.
    public var groups: [UInt16] { (0..<8).map { UInt16(truncatingIfNeeded: value >> (16 * (7 - $0))) } }

    /// An IPv4 address mapped into IPv6 (::ffff:a.b.c.d).
    public var isIPv4Mapped: Bool { value >> 32 == 0xffff }

    /// RFC 5952: lower-case hex without leading zeros, the longest run of two or more
    /// zero groups (the first of equal runs) as "::", a mapped IPv4 address dotted.
    public var description: String {
        if isIPv4Mapped { return "::ffff:" + IPv4Address(UInt32(truncatingIfNeeded: value)).description }
        let groups = self.groups
        var best = (start: -1, count: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > best.count && end - index >= 2 { best = (index, end - index) }
            index = end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard best.start >= 0 else { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.count)..<8)
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPv6Address(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid IPv6 address \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
