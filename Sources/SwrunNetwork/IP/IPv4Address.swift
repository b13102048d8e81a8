/// An IPv4 address, written and read as dotted decimal ("172.17.0.2"). `value` holds the
/// four octets with the first one in the high byte, so addresses order and add as numbers.
public struct IPv4Address: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses exactly four decimal octets, as Go's netip does: no leading zeros ("010"
    /// could be octal elsewhere), no spaces, nothing after the last octet.
    public init?(_ text: String) {
        var value: UInt32 = 0
        var octets = 0
        for field in text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard field.count >= 1, field.count <= 3, field.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  field.count == 1 || field.first != UInt8(ascii: "0") else { return nil }
            let octet = field.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - 48) }
            guard octet <= 255 else { return nil }
            value = value << 8 | octet
            octets += 1
        }
        guard octets == 4 else { return nil }
        self.value = value
    }

    /// 0.0.0.0.
    public static let unspecified = IPv4Address(0)

    public var octets: [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid IPv4 address \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
