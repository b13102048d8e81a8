/// Data a template runs against: the JSON-like shape of the Go values docker formats.
///
/// Go tells a struct from a map by its type; here the case says it. A struct (`object`) keeps
/// its fields in declaration order and asking for a field it lacks is an error; a `map` answers a
/// missing key with `<no value>`, iterates and prints in key order, and may be nil.
public enum TemplateValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([TemplateValue])
    /// A Go struct: fields in declaration order.
    case object(TemplateFields)
    /// A Go `map[string]T`; `nil` is Go's nil map (`map[]` when printed, `null` in JSON).
    case map(TemplateFields?)
}

/// Keys with values, in the order they were added. Setting a key that exists replaces its value
/// in place.
public struct TemplateFields: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: TemplateValue)

    public private(set) var keys: [String] = []
    public private(set) var values: [TemplateValue] = []
    private var positions: [String: Int] = [:]

    public init() {}

    public init(_ pairs: some Sequence<(String, TemplateValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self.init(elements)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }

    public subscript(key: String) -> TemplateValue? {
        get { positions[key].map { values[$0] } }
        set {
            if let position = positions[key] {
                if let newValue {
                    values[position] = newValue
                } else {
                    keys.remove(at: position)
                    values.remove(at: position)
                    positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
                }
            } else if let newValue {
                positions[key] = keys.count
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// The entries ordered by the bytes of their keys, as Go's fmt, json and `range` order a map.
    public var sortedByKey: [Element] {
        indices.sorted { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }.map { self[$0] }
    }

    public static func == (lhs: TemplateFields, rhs: TemplateFields) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }
}

extension TemplateValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    /// A dictionary literal is a struct; write `.map([...])` for a map.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) { self = .object(TemplateFields(elements)) }
}
