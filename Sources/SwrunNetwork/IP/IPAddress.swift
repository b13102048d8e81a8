/// The two address families.
public enum IPFamily: String, Sendable, Codable, CaseIterable {
    case v4 = "IPv4"
    case v6 = "IPv6"

    /// Bits in an address of the family.
    public var bitLength: Int { self == .v4 ? 32 : 128 }
}

/// An IPv4 or IPv6 address, written as its family writes it. IPv4 addresses order
/// before IPv6 ones.
public enum IPAddress: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Dotted decimal as IPv4, anything with a colon as IPv6; nil for anything else.
    public init?(_ text: String) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if text.contains(":"), let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The address of `family` whose bits are the low `family.bitLength` bits of `bits`.
    init(family: IPFamily, bits: UInt128) {
        switch family {
        case .v4: self = .v4(IPv4Address(UInt32(truncatingIfNeeded: bits)))
        case .v6: self = .v6(IPv6Address(bits))
        }
    }

    public var family: IPFamily {
        switch self {
        case .v4: .v4
        case .v6: .v6
        }
    }

    /// The address as a number (an IPv4 address in the low 32 bits).
    var bits: UInt128 {
        switch self {
        case .v4(let address): UInt128(address.value)
        case .v6(let address): address.value
        }
    }

    /// 0.0.0.0 or ::.
    public var isUnspecified: Bool { bits == 0 }

    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid IP address \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
