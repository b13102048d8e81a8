/// A block of addresses in CIDR notation ("10.0.0.0/8", "fd00:1::/64").
///
/// `address` is kept as written: docker refuses a subnet with host bits set ("invalid
/// subnet 172.20.0.1/16: it should be 172.20.0.0/16") rather than mending it, so the
/// parser keeps them for that check (`isMasked`, `masked`). The arithmetic
/// (`contains`, `overlaps`, `address(at:)`) works on the masked block either way.
public struct IPNetwork: Hashable, Sendable, Codable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    /// nil when `prefixLength` does not fit the address's family.
    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.family.bitLength else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses "ADDRESS/BITS" as Go's netip.ParsePrefix: decimal bits without a leading zero.
    public init?(cidr: String) {
        guard let slash = cidr.lastIndex(of: "/"), let address = IPAddress(String(cidr[..<slash])) else { return nil }
        let bits = cidr[cidr.index(after: slash)...]
        guard !bits.isEmpty, bits.count <= 3, bits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              bits.count == 1 || bits.first != "0", let length = Int(bits) else { return nil }
        self.init(address: address, prefixLength: length)
    }

    public var family: IPFamily { address.family }

    /// Host bits: 8 for a /24.
    public var hostBits: Int { family.bitLength - prefixLength }

    private var mask: UInt128 {
        (family == .v4 ? UInt128(UInt32.max) : UInt128.max) & ~hostMask
    }

    private var hostMask: UInt128 { hostBits >= 128 ? UInt128.max : (UInt128(1) << hostBits) - 1 }

    /// The block with its host bits cleared (172.20.0.0/16 for 172.20.0.1/16).
    public var masked: IPNetwork {
        var network = self
        network.address = IPAddress(family: family, bits: address.bits & mask)
        return network
    }

    /// Whether no host bit is set.
    public var isMasked: Bool { address.bits & hostMask == 0 }

    /// The first address of the block (the network address).
    public var first: IPAddress { IPAddress(family: family, bits: address.bits & mask) }

    /// The last address of the block (IPv4's broadcast address).
    public var last: IPAddress { IPAddress(family: family, bits: (address.bits & mask) | hostMask) }

    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.family == family && candidate.bits & mask == address.bits & mask
    }

    /// Whether every address of `other` is in this block.
    public func contains(_ other: IPNetwork) -> Bool {
        other.family == family && other.prefixLength >= prefixLength && contains(other.address)
    }

    /// Whether the two blocks share an address (one then contains the other).
    public func overlaps(_ other: IPNetwork) -> Bool {
        contains(other) || other.contains(self)
    }

    /// The address `offset` places after the network address; nil past the block's end.
    public func address(at offset: UInt64) -> IPAddress? {
        address(atOffset: UInt128(offset))
    }

    func address(atOffset offset: UInt128) -> IPAddress? {
        guard offset <= hostMask else { return nil }
        return IPAddress(family: family, bits: (address.bits & mask) + offset)
    }

    /// How far `candidate` is from the network address; nil outside the block.
    public func offset(of candidate: IPAddress) -> UInt128? {
        contains(candidate) ? candidate.bits & hostMask : nil
    }

    /// The number of the block's last offset (255 for a /24): the block holds one more.
    public var lastOffset: UInt128 { hostMask }

    public var description: String { "\(address)/\(prefixLength)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let network = IPNetwork(cidr: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid CIDR block \(text)")
        }
        self = network
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
