/// Any JSON value. The runtime-spec types keep members they do not know in it, so a
/// `config.json` written by a newer tool survives being read and written back by swrun.
///
/// Integers stay exact: a number without a fraction or exponent that fits `Int64`
/// decodes to `.int`, one above `Int64.max` to `.uint`, anything else to `.double`.
/// A `Double` holds integers exactly only up to 2^53, and memory limits and seccomp
/// argument values go far beyond that.
public enum JSONAny: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    /// Only for integers above `Int64.max` (Go's `uint64` fields reach 2^64 - 1).
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONAny])
    case object([String: JSONAny])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Bool before the numbers and Int64 before Double: JSONDecoder refuses a
        // number as a Bool and a fraction as an Int64, so the first match is exact.
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? c.decode(UInt64.self) {
            self = .uint(value)
        } else if let value = try? c.decode(Double.self) {
            self = .double(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([JSONAny].self) {
            self = .array(value)
        } else if let value = try? c.decode([String: JSONAny].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let value): try c.encode(value)
        case .int(let value): try c.encode(value)
        case .uint(let value): try c.encode(value)
        case .double(let value): try c.encode(value)
        case .string(let value): try c.encode(value)
        case .array(let value): try c.encode(value)
        case .object(let value): try c.encode(value)
        }
    }
}

/// A JSON object member name that is not known at compile time.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The members of the object `decoder` holds whose names are not among `known`'s
/// cases: what a type keeps in its `extra` so that encoding writes them back.
func decodeExtra<Known: CodingKey & CaseIterable>(from decoder: Decoder, known: Known.Type) throws -> [String: JSONAny] {
    let knownNames = Set(Known.allCases.map(\.stringValue))
    let c = try decoder.container(keyedBy: AnyKey.self)
    var extra: [String: JSONAny] = [:]
    for key in c.allKeys where !knownNames.contains(key.stringValue) {
        extra[key.stringValue] = try c.decode(JSONAny.self, forKey: key)
    }
    return extra
}

/// Writes `extra` into the object `encoder` is building. Callers write `extra` before
/// their known members, so a known member wins over an `extra` entry of the same name.
func encodeExtra(_ extra: [String: JSONAny], to encoder: Encoder) throws {
    guard !extra.isEmpty else { return }
    var c = encoder.container(keyedBy: AnyKey.self)
    for (name, value) in extra {
        try c.encode(value, forKey: AnyKey(name))
    }
}
