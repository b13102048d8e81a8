import SwrunOS

/// A content digest, `sha256:<64 lowercase hex>`: blob addresses, DiffIDs, image IDs.
public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The algorithm; only `sha256` is supported.
    public let algorithm: String
    /// The 64 lowercase hex characters.
    public let hex: String

    /// Parses `sha256:<64 lowercase hex>`.
    public init(parsing string: String) throws {
        guard let colon = string.firstIndex(of: ":") else {
            throw SwrunError(.invalidArgument, "invalid digest: \(string)")
        }
        let algorithm = String(string[..<colon])
        guard algorithm == "sha256" else {
            throw SwrunError(.invalidArgument, "unsupported digest algorithm: \(string)")
        }
        try self.init(sha256Hex: String(string[string.index(after: colon)...]), original: string)
    }

    /// A sha256 digest from its 64 lowercase hex characters.
    public init(sha256Hex hex: String) throws {
        try self.init(sha256Hex: hex, original: hex)
    }

    /// For hex that is sha256 output by construction (SwrunDigest's hasher).
    package init(computedSHA256Hex hex: String) {
        self.algorithm = "sha256"
        self.hex = hex
    }

    private init(sha256Hex hex: String, original: String) throws {
        guard Digest.isSHA256Hex(hex) else {
            throw SwrunError(.invalidArgument, "invalid digest: \(original)")
        }
        self.algorithm = "sha256"
        self.hex = hex
    }

    /// Whether `text` is exactly 64 lowercase hex characters.
    public static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && isLowercaseHex(text)
    }

    /// Whether `text` is non-empty and only lowercase hex characters.
    public static func isLowercaseHex(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Lowercase hex of `bytes`.
    public static func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hex characters, as `docker images` shows an ID.
    public var short: String { String(hex.prefix(12)) }

    /// `sha256:<hex>`.
    public var string: String { "\(algorithm):\(hex)" }

    public var description: String { string }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.string < rhs.string }
}

extension Digest: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid digest: \(text)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}
